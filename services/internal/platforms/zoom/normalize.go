package zoom

import (
	"cmp"
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a Zoom webhook: {"event": ..., "event_ts": <unix ms>,
// "payload": {"account_id", "operator", "operator_id", "object": {...}}}.
type webhook struct {
	Event   string          `json:"event"`
	EventTS *int64          `json:"event_ts"`
	Payload json.RawMessage `json:"payload"`
}

// payload is the part of a payload the adapter reads.
type payload struct {
	AccountID  string `json:"account_id"`
	OperatorID string `json:"operator_id"`
	Object     struct {
		UUID      string  `json:"uuid"`
		ID        norm.ID `json:"id"`
		MessageID string  `json:"message_id"`
		ChannelID string  `json:"channel_id"`
		ContactID string  `json:"contact_id"`
		HostID    string  `json:"host_id"`
	} `json:"object"`
}

// normalize reads a Zoom webhook. Required: a JSON object with event;
// payload, when present, must be an object. The entity's kind is the
// event's prefix ("meeting", "user"; "message" for chat messages), its id the object's
// uuid, id or message_id; the tenant is the account, the user the
// operator who acted (for user events, the user changed), occurred_at
// the event's time.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	if w.Event == "" {
		return norm.Invalid(name, "body has no event")
	}
	ev.SourceEventType = w.Event
	ev.EventType = norm.Mapped(mapping, w.Event)
	ev.EntityType, _, _ = strings.Cut(w.Event, ".")
	if ev.EventType == eventv1.EventType_EVENT_TYPE_MESSAGE_POSTED {
		ev.EntityType = "message" // as every chat platform's messages
	}
	if w.EventTS != nil {
		norm.Occurred(ev, norm.UnixTime(*w.EventTS))
	}
	if w.Event == urlValidation {
		return nil
	}
	var p payload
	if present, err := norm.DecodeField(name, "payload", w.Event, w.Payload, &p); err != nil || !present {
		return err
	}
	o := p.Object
	ev.EntityId = cmp.Or(o.UUID, string(o.ID), o.MessageID)
	ev.TenantId = p.AccountID
	ev.UserId = p.OperatorID
	if ev.EntityType == "user" {
		ev.UserId = string(o.ID)
	}
	norm.SetMeta(ev.Metadata, "operator_id", p.OperatorID)
	norm.SetMeta(ev.Metadata, "channel_id", o.ChannelID)
	norm.SetMeta(ev.Metadata, "contact_id", o.ContactID)
	norm.SetMeta(ev.Metadata, "host_id", o.HostID)
	if o.UUID != "" {
		norm.SetMeta(ev.Metadata, "id", string(o.ID))
	}
	return nil
}
