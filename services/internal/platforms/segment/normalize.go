package segment

import (
	"bytes"
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// message is a Segment call as the Webhooks destinations forward it (the
// default mapping sends the whole event): {"type", "event" (track),
// "messageId", "userId", "anonymousId", "groupId" (group),
// "timestamp", "properties", "traits", "context", ...}.
type message struct {
	Type        string          `json:"type"`
	Event       string          `json:"event"`
	UserID      norm.ID         `json:"userId"`
	AnonymousID norm.ID         `json:"anonymousId"`
	GroupID     norm.ID         `json:"groupId"`
	Timestamp   norm.Time       `json:"timestamp"`
	Properties  json.RawMessage `json:"properties"`
	Name        string          `json:"name"`
}

// properties are the spec properties read from a track call's properties.
type properties struct {
	OrderID norm.ID `json:"order_id"`
}

// normalize reads one Segment call. Required: a JSON object with a type,
// and an event name when the type is track. A batch (a JSON array, sent
// when the destination batches) is refused: one webhook is one event
// here, and which of its calls would it be? Turn batching off on the
// destination. The source type is "track:<event>" for a track call, the
// type otherwise; the user is userId (else anonymousId); the tenant is a
// group call's groupId; a spec order event's entity is its order_id;
// occurred_at is timestamp.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	if t := bytes.TrimLeft(r.Body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return norm.Invalid(name, "batched delivery: turn batching off on the destination")
	}
	var m message
	if err := norm.DecodeObject(name, r.Body, &m); err != nil {
		return err
	}
	switch {
	case m.Type == "":
		return norm.Invalid(name, "body has no type")
	case m.Type == "track" && m.Event == "":
		return norm.Invalid(name, "track call has no event")
	case m.Type == "track":
		ev.SourceEventType = "track:" + m.Event
	default:
		ev.SourceEventType = m.Type
	}
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	norm.Occurred(ev, m.Timestamp.Time)
	ev.UserId = string(m.UserID)
	if ev.UserId == "" && m.AnonymousID != "" {
		ev.UserId = string(m.AnonymousID)
		ev.Metadata["anonymous"] = "true"
	}
	if m.Type == "group" {
		ev.TenantId = string(m.GroupID)
	}
	norm.SetMeta(ev.Metadata, "call", m.Type)
	norm.SetMeta(ev.Metadata, "name", m.Name)
	// Properties are free-form: only the order events of the E-commerce
	// spec, which define order_id, are read for it, so a custom event is
	// never refused for a property it names alike.
	if ev.EventType != eventv1.EventType_EVENT_TYPE_UNMAPPED && m.Type == "track" && norm.IsObject(m.Properties) {
		var p properties
		if err := norm.Unmarshal(m.Properties, &p); err != nil {
			return norm.Invalid(name, "decode properties of %q: %v", ev.SourceEventType, err)
		}
		if p.OrderID != "" {
			ev.EntityType, ev.EntityId = "order", string(p.OrderID)
		}
	}
	return nil
}
