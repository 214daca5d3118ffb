package zendesk

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// zendeskEvent is a Zendesk event webhook: {"type":
// "zen:event-type:user.created", "account_id": 12514403, "id": "...",
// "time": "...", "subject": "zen:user:6596848315901", "detail": {...},
// "event": {...}}.
type zendeskEvent struct {
	Type         string          `json:"type"`
	AccountID    norm.ID         `json:"account_id"`
	ID           string          `json:"id"`
	Time         norm.Time       `json:"time"`
	EventVersion string          `json:"zendesk_event_version"`
	Subject      string          `json:"subject"`
	Detail       json.RawMessage `json:"detail"`
}

// zendeskDetail is the resource of an event; Zendesk sends its ids as
// strings of digits.
type zendeskDetail struct {
	ID             norm.ID `json:"id"`
	RequesterID    norm.ID `json:"requester_id"`
	OrganizationID norm.ID `json:"organization_id"`
	Role           string  `json:"role"`
	Status         string  `json:"status"`
}

// zendeskTypePrefix starts every event type Zendesk defines.
const zendeskTypePrefix = "zen:event-type:"

// zendeskTrigger is the source type of a webhook a trigger or automation
// sent: its body is whatever the admin wrote, with no type.
const zendeskTrigger = "trigger"

// normalize reads a Zendesk webhook. Required: a JSON object.
// Event webhooks are read as above; a body without "type" is a trigger's
// own JSON, kept UNMAPPED as source type "trigger".
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e zendeskEvent
	if err := norm.DecodeObject("zendesk", r.Body, &e); err != nil {
		return err
	}
	norm.SetMeta(ev.Metadata, "webhook_id", r.Header("x-zendesk-webhook-id"))
	if e.Type == "" {
		ev.SourceEventType = zendeskTrigger
		ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
		return nil
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	// Every user.*_changed event (name, email, role, active ...) is a
	// change to the user.
	if name, ok := strings.CutPrefix(e.Type, zendeskTypePrefix+"user."); ok && strings.HasSuffix(name, "_changed") {
		ev.EventType = eventv1.EventType_EVENT_TYPE_USER_UPDATED
	}
	ev.TenantId = string(e.AccountID)
	norm.Occurred(ev, e.Time.Time)
	norm.SetMeta(ev.Metadata, "event_version", e.EventVersion)
	norm.SetMeta(ev.Metadata, "subject", e.Subject)
	// subject is "zen:<resource>:<id>".
	if parts := strings.Split(e.Subject, ":"); len(parts) == 3 && parts[0] == "zen" {
		ev.EntityType, ev.EntityId = parts[1], parts[2]
	}
	if len(e.Detail) == 0 || string(e.Detail) == "null" {
		return nil
	}
	if !norm.IsObject(e.Detail) {
		return norm.Invalid("zendesk", "detail of %q is not an object", e.Type)
	}
	var d zendeskDetail
	if err := norm.Unmarshal(e.Detail, &d); err != nil {
		return norm.Invalid("zendesk", "decode detail of %q: %v", e.Type, err)
	}
	if ev.EntityId == "" {
		ev.EntityId = string(d.ID)
	}
	ev.UserId = string(d.RequesterID)
	if ev.EntityType == "user" {
		ev.UserId = ev.EntityId
	}
	if org := string(d.OrganizationID); org != "0" {
		norm.SetMeta(ev.Metadata, "organization_id", org)
	}
	norm.SetMeta(ev.Metadata, "role", d.Role)
	norm.SetMeta(ev.Metadata, "status", d.Status)
	return nil
}
