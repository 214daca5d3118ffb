package calendly

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a Calendly webhook: {"event": "invitee.created",
// "created_at": <RFC 3339>, "created_by": <user URI>, "payload": {...}},
// the payload being the resource (an invitee, a routing form
// submission...) as the API returns it.
type webhook struct {
	Event     string          `json:"event"`
	CreatedAt norm.Time       `json:"created_at"`
	CreatedBy string          `json:"created_by"`
	Payload   json.RawMessage `json:"payload"`
}

// resource is the part of a payload the adapter reads: every resource
// has a uri; an invitee also its status, its scheduled event's URI
// (event) and whether it was canceled to be rescheduled.
type resource struct {
	URI         string    `json:"uri"`
	Status      string    `json:"status"`
	Event       string    `json:"event"`
	Rescheduled norm.Bool `json:"rescheduled"`
}

// normalize reads a Calendly webhook. Required: a JSON object with event;
// payload, when present, must be an object. The source type is event,
// the entity its resource (the kind is the event's prefix, "invitee"),
// the tenant the subscription's owner (created_by) and occurred_at the
// event's created_at.
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
	ev.TenantId = w.CreatedBy
	norm.Occurred(ev, w.CreatedAt.Time)
	var p resource
	if _, err := norm.DecodeField(name, "payload", w.Event, w.Payload, &p); err != nil {
		return err
	}
	ev.EntityId = p.URI
	norm.SetMeta(ev.Metadata, "status", p.Status)
	norm.SetMeta(ev.Metadata, "scheduled_event", p.Event)
	norm.SetMeta(ev.Metadata, "rescheduled", p.Rescheduled.String())
	return nil
}
