package sendgrid

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is one item of a SendGrid Event Webhook batch:
// {"email": ..., "timestamp": <unix s>, "event": "delivered",
// "sg_event_id": ..., "sg_message_id": ..., "smtp-id": ...}. category and
// custom arguments vary in type and are not read.
type event struct {
	Email       string    `json:"email"`
	Timestamp   norm.Time `json:"timestamp"`
	Event       string    `json:"event"`
	SGEventID   string    `json:"sg_event_id"`
	SGMessageID string    `json:"sg_message_id"`
	SMTPID      string    `json:"smtp-id"`
	Reason      string    `json:"reason"`
	Status      string    `json:"status"`
	Type        string    `json:"type"`
	BounceClass string    `json:"bounce_classification"`
}

// normalize reads a SendGrid Event Webhook batch. Required: a
// non-empty JSON array of objects whose first item has event. Only the
// first item becomes the event (see batchMeta; NormalizeAll reads them
// all). Email events are not payments, orders, users or subscriptions: all
// are UNMAPPED, with the message ids kept and the recipient address as
// user_id.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	items, err := norm.DecodeBatch[event](name, r.Body)
	if err != nil {
		return err
	}
	if err := item(items[0], 0, ev); err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.SGEventID
	}
	norm.BatchMeta(ev, ids)
	return nil
}

// item fills ev from item i of a batch.
func item(e event, i int, ev *eventv1.NormalizedEvent) error {
	if e.Event == "" {
		return norm.Invalid("sendgrid", "item %d has no event", i)
	}
	ev.SourceEventType = e.Event
	ev.EventType = norm.Mapped(mapping, e.Event)
	ev.EntityType = "email"
	ev.EntityId = e.SGMessageID
	ev.UserId = e.Email
	norm.Occurred(ev, e.Timestamp.Time)
	norm.SetMeta(ev.Metadata, "sg_event_id", e.SGEventID)
	norm.SetMeta(ev.Metadata, "smtp_id", e.SMTPID)
	norm.SetMeta(ev.Metadata, "reason", e.Reason)
	norm.SetMeta(ev.Metadata, "status", e.Status)
	norm.SetMeta(ev.Metadata, "bounce_type", e.Type)
	norm.SetMeta(ev.Metadata, "bounce_classification", e.BounceClass)
	return nil
}
