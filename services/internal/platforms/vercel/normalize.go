package vercel

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// webhook is a Vercel webhook: {"id", "type", "createdAt" (unix ms),
// "region", "payload": {...}}.
type webhook struct {
	Type      string          `json:"type"`
	CreatedAt *norm.Time      `json:"createdAt"`
	Region    string          `json:"region"`
	Payload   json.RawMessage `json:"payload"`
}

// idRef is a {"id": ...} reference in a payload.
type idRef struct {
	ID string `json:"id"`
}

// payload holds the parts of payload the normalization reads.
type payload struct {
	Team          *idRef `json:"team"`
	User          *idRef `json:"user"`
	Project       *idRef `json:"project"`
	Configuration *idRef `json:"configuration"`
	Deployment    *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		URL  string `json:"url"`
	} `json:"deployment"`
	Domain *struct {
		Name string `json:"name"`
	} `json:"domain"`
	Target string `json:"target"`
}

// normalize reads a Vercel webhook. Required: a JSON object with a type;
// payload, when present, must be an object. The source type is type
// ("deployment.succeeded"); the entity is the object the type names
// (deployment, project, domain, integration-configuration), the tenant
// the team (else the user, for a personal account), occurred_at
// createdAt.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var w webhook
	if err := norm.DecodeObject(name, r.Body, &w); err != nil {
		return err
	}
	if w.Type == "" {
		return norm.Invalid(name, "body has no type")
	}
	ev.SourceEventType = w.Type
	ev.EventType = norm.Mapped(mapping, w.Type)
	if w.CreatedAt != nil {
		norm.Occurred(ev, w.CreatedAt.Time)
	}
	norm.SetMeta(ev.Metadata, "region", w.Region)
	if len(w.Payload) == 0 || string(w.Payload) == "null" {
		return nil
	}
	if !norm.IsObject(w.Payload) {
		return norm.Invalid(name, "payload of %q is not an object", w.Type)
	}
	var p payload
	if err := norm.Unmarshal(w.Payload, &p); err != nil {
		return norm.Invalid(name, "decode payload of %q: %v", w.Type, err)
	}
	if p.User != nil {
		ev.UserId = p.User.ID
	}
	switch {
	case p.Team != nil && p.Team.ID != "":
		ev.TenantId = p.Team.ID
	default:
		ev.TenantId = ev.UserId
	}
	if p.Project != nil {
		norm.SetMeta(ev.Metadata, "project_id", p.Project.ID)
	}
	norm.SetMeta(ev.Metadata, "target", p.Target)
	resource, _, _ := strings.Cut(w.Type, ".")
	switch resource {
	case "deployment":
		if p.Deployment != nil {
			ev.EntityType, ev.EntityId = "deployment", p.Deployment.ID
			norm.SetMeta(ev.Metadata, "name", p.Deployment.Name)
			norm.SetMeta(ev.Metadata, "url", p.Deployment.URL)
		}
	case "project":
		if p.Project != nil {
			ev.EntityType, ev.EntityId = "project", p.Project.ID
		}
	case "domain":
		if p.Domain != nil {
			ev.EntityType, ev.EntityId = "domain", p.Domain.Name
		}
	case "integration-configuration":
		if p.Configuration != nil {
			ev.EntityType, ev.EntityId = "integration-configuration", p.Configuration.ID
		}
	}
	return nil
}
