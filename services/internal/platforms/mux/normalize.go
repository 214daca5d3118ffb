package mux

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a Mux webhook: {"type": "video.asset.ready", "id": <event
// id>, "created_at": ..., "object": {"type": "asset", "id": ...},
// "environment": {"id": ..., "name": ...}, "data": {<the object>},
// "attempts": [...], "request_id", "accessor", "accessor_source"}.
type event struct {
	Type      string    `json:"type"`
	CreatedAt norm.Time `json:"created_at"`
	Object    *struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	} `json:"object"`
	Environment *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"environment"`
	Data json.RawMessage `json:"data"`
}

// data is the part of the object the adapter reads: its status and the
// caller's own passthrough value (an asset's or an upload's).
type data struct {
	Status      string `json:"status"`
	Passthrough string `json:"passthrough"`
}

// normalize reads a Mux webhook. Required: a JSON object with type; data,
// when present, must be an object. The entity is the event's object, the
// tenant its environment, and occurred_at the event's created_at.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid(name, "body has no type")
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	if e.Object != nil {
		ev.EntityType, ev.EntityId = e.Object.Type, e.Object.ID
	}
	if e.Environment != nil {
		ev.TenantId = e.Environment.ID
		norm.SetMeta(ev.Metadata, "environment", e.Environment.Name)
	}
	norm.Occurred(ev, e.CreatedAt.Time)
	var d data
	if _, err := norm.DecodeField(name, "data", e.Type, e.Data, &d); err != nil {
		return err
	}
	norm.SetMeta(ev.Metadata, "status", d.Status)
	norm.SetMeta(ev.Metadata, "passthrough", d.Passthrough)
	return nil
}
