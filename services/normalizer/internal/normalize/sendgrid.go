package normalize

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// sendgridEvent is one item of a SendGrid Event Webhook batch:
// {"email": ..., "timestamp": <unix s>, "event": "delivered",
// "sg_event_id": ..., "sg_message_id": ..., "smtp-id": ...}. category and
// custom arguments vary in type and are not read.
type sendgridEvent struct {
	Email       string   `json:"email"`
	Timestamp   jsonTime `json:"timestamp"`
	Event       string   `json:"event"`
	SGEventID   string   `json:"sg_event_id"`
	SGMessageID string   `json:"sg_message_id"`
	SMTPID      string   `json:"smtp-id"`
	Reason      string   `json:"reason"`
	Status      string   `json:"status"`
	Type        string   `json:"type"`
	BounceClass string   `json:"bounce_classification"`
}

// normalizeSendGrid reads a SendGrid Event Webhook batch. Required: a
// non-empty JSON array of objects whose first item has event. Only the
// first item becomes the event (see batchMeta; NormalizeAll reads them
// all). Email events are not payments, orders, users or subscriptions: all
// are UNMAPPED, with the message ids kept and the recipient address as
// user_id.
func normalizeSendGrid(r request, ev *eventv1.NormalizedEvent) error {
	items, err := decodeBatch[sendgridEvent]("sendgrid", r.Body)
	if err != nil {
		return err
	}
	if err := sendgridItem(items[0], 0, ev); err != nil {
		return err
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.SGEventID
	}
	batchMeta(ev, ids)
	return nil
}

// sendgridItem fills ev from item i of a batch.
func sendgridItem(e sendgridEvent, i int, ev *eventv1.NormalizedEvent) error {
	if e.Event == "" {
		return invalid("sendgrid", "item %d has no event", i)
	}
	ev.SourceEventType = e.Event
	ev.EventType = eventType("sendgrid", e.Event)
	ev.EntityType = "email"
	ev.EntityId = e.SGMessageID
	ev.UserId = e.Email
	occurred(ev, e.Timestamp.Time)
	setMeta(ev.Metadata, "sg_event_id", e.SGEventID)
	setMeta(ev.Metadata, "smtp_id", e.SMTPID)
	setMeta(ev.Metadata, "reason", e.Reason)
	setMeta(ev.Metadata, "status", e.Status)
	setMeta(ev.Metadata, "bounce_type", e.Type)
	setMeta(ev.Metadata, "bounce_classification", e.BounceClass)
	return nil
}
