package notion

import (
	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// event is a Notion webhook event: {"id", "timestamp", "workspace_id",
// "workspace_name", "subscription_id", "integration_id", "type":
// "page.created", "authors": [{"id", "type"}], "attempt_number",
// "entity": {"id", "type"}, "data": {...}}.
type event struct {
	Type           string    `json:"type"`
	Timestamp      norm.Time `json:"timestamp"`
	WorkspaceID    string    `json:"workspace_id"`
	SubscriptionID string    `json:"subscription_id"`
	IntegrationID  string    `json:"integration_id"`
	Authors        []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"authors"`
	Entity *struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"entity"`
}

// normalize reads a Notion webhook: the verification request is a PING
// (its token is not copied anywhere: it stays in the stored body);
// otherwise a JSON object with type. The entity is the event's entity
// (page, block, database, data source, comment), the tenant the
// workspace, the user its first author, occurred_at its timestamp.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	if _, ok := verificationToken(r.Body); ok {
		ev.SourceEventType = verification
		ev.EventType = norm.Mapped(mapping, verification)
		return nil
	}
	var e event
	if err := norm.DecodeObject(name, r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid(name, "body has no type")
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	if e.Entity != nil {
		ev.EntityType, ev.EntityId = e.Entity.Type, e.Entity.ID
	}
	ev.TenantId = e.WorkspaceID
	if len(e.Authors) > 0 {
		ev.UserId = e.Authors[0].ID
		norm.SetMeta(ev.Metadata, "author_type", e.Authors[0].Type)
	}
	norm.SetMeta(ev.Metadata, "subscription_id", e.SubscriptionID)
	norm.SetMeta(ev.Metadata, "integration_id", e.IntegrationID)
	norm.Occurred(ev, e.Timestamp.Time)
	return nil
}
