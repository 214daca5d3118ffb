package workos

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a WorkOS event: {"id", "event", "data": {...},
// "created_at"}.
type webhook struct {
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	CreatedAt norm.Time       `json:"created_at"`
}

// data holds the parts of data the normalization reads: the object's
// kind and id, and the organization or directory it belongs to.
type data struct {
	Object         string `json:"object"`
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id"`
	DirectoryID    string `json:"directory_id"`
	UserID         string `json:"user_id"`
	State          string `json:"state"`
}

// normalize reads a WorkOS event. Required: a JSON object with an event
// name; data, when present, must be an object. The source type is the
// event name ("dsync.user.created"); the entity is data's object and id;
// the tenant is the organization (else the directory); the user is the
// user the event is about (a user's own id, or data.user_id of a session
// or membership); occurred_at is created_at.
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
	norm.Occurred(ev, w.CreatedAt.Time)
	if len(w.Data) == 0 || string(w.Data) == "null" {
		return nil
	}
	if !norm.IsObject(w.Data) {
		return norm.Invalid(name, "data of %q is not an object", w.Event)
	}
	var d data
	if err := norm.Unmarshal(w.Data, &d); err != nil {
		return norm.Invalid(name, "decode data of %q: %v", w.Event, err)
	}
	ev.EntityType, ev.EntityId = d.Object, d.ID
	ev.TenantId = d.OrganizationID
	if ev.TenantId == "" {
		ev.TenantId = d.DirectoryID
	}
	norm.SetMeta(ev.Metadata, "directory_id", d.DirectoryID)
	norm.SetMeta(ev.Metadata, "state", d.State)
	switch {
	case d.Object == "user" || d.Object == "directory_user":
		ev.UserId = d.ID
	default:
		ev.UserId = d.UserID
	}
	return nil
}
