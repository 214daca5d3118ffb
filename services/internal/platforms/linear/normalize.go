package linear

import (
	"encoding/json"
	"strings"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// linearEvent is a Linear data-change webhook: {"action": "create",
// "type": "Issue", "data": {...}, "actor": {...}, "organizationId": ...,
// "createdAt": ..., "webhookTimestamp": <ms>, "webhookId": ...}.
type linearEvent struct {
	Action           string          `json:"action"`
	Type             string          `json:"type"`
	Data             json.RawMessage `json:"data"`
	URL              string          `json:"url"`
	CreatedAt        norm.Time       `json:"createdAt"`
	OrganizationID   string          `json:"organizationId"`
	WebhookTimestamp *int64          `json:"webhookTimestamp"`
	WebhookID        string          `json:"webhookId"`
	Actor            *struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"actor"`
}

// normalize reads a Linear webhook. Required: a JSON object with
// type; data, when present, must be an object. The source type is type
// plus "." + action ("Issue.create"). Linear has no payments, orders or
// subscriptions, and its users are workspace members, not customers: every
// type is UNMAPPED, with the ids kept.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var e linearEvent
	if err := norm.DecodeObject("linear", r.Body, &e); err != nil {
		return err
	}
	if e.Type == "" {
		return norm.Invalid("linear", "body has no type")
	}
	ev.SourceEventType = e.Type
	if e.Action != "" {
		ev.SourceEventType = e.Type + "." + e.Action
	}
	ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
	ev.EntityType = strings.ToLower(e.Type)
	ev.TenantId = e.OrganizationID
	if e.Actor != nil {
		ev.UserId = e.Actor.ID
		norm.SetMeta(ev.Metadata, "actor_type", e.Actor.Type)
	}
	norm.SetMeta(ev.Metadata, "action", e.Action)
	norm.SetMeta(ev.Metadata, "webhook_id", e.WebhookID)
	norm.SetMeta(ev.Metadata, "url", e.URL)
	if len(e.Data) > 0 && string(e.Data) != "null" {
		if !norm.IsObject(e.Data) {
			return norm.Invalid("linear", "data of %q is not an object", ev.SourceEventType)
		}
		var d struct {
			ID     string  `json:"id"`
			TeamID string  `json:"teamId"`
			Number norm.ID `json:"number"`
		}
		if err := norm.Unmarshal(e.Data, &d); err != nil {
			return norm.Invalid("linear", "decode data of %q: %v", ev.SourceEventType, err)
		}
		ev.EntityId = d.ID
		norm.SetMeta(ev.Metadata, "team_id", d.TeamID)
		norm.SetMeta(ev.Metadata, "number", string(d.Number))
	}
	// createdAt is when the action happened; webhookTimestamp (unix ms)
	// when this delivery was sent.
	norm.Occurred(ev, e.CreatedAt.Time)
	if ev.OccurredAt == nil && e.WebhookTimestamp != nil {
		norm.Occurred(ev, norm.UnixTime(*e.WebhookTimestamp))
	}
	return nil
}
