package intercom

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// intercomNotification is Intercom's webhook envelope:
// {"type": "notification_event", "id": "notif_...", "topic":
// "contact.user.created", "app_id": ..., "created_at": <unix s>,
// "data": {"item": {...}}}.
type intercomNotification struct {
	Type             string    `json:"type"`
	ID               string    `json:"id"`
	Topic            string    `json:"topic"`
	AppID            string    `json:"app_id"`
	CreatedAt        norm.Time `json:"created_at"`
	DeliveryAttempts *int64    `json:"delivery_attempts"`
	Data             *struct {
		Item json.RawMessage `json:"item"`
	} `json:"data"`
}

// intercomItem is the resource of a notification (contact, user,
// conversation ...).
type intercomItem struct {
	Type       string  `json:"type"`
	ID         norm.ID `json:"id"`
	ExternalID string  `json:"external_id"`
	UserID     string  `json:"user_id"`
	Role       string  `json:"role"`
	// conversations: the contacts taking part.
	Contacts *struct {
		Contacts []struct {
			ID string `json:"id"`
		} `json:"contacts"`
	} `json:"contacts"`
}

// normalize reads an Intercom webhook. Required: a JSON object with
// topic; data.item, when present, must be an object.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var n intercomNotification
	if err := norm.DecodeObject("intercom", r.Body, &n); err != nil {
		return err
	}
	if n.Topic == "" {
		return norm.Invalid("intercom", "body has no topic")
	}
	ev.SourceEventType = n.Topic
	ev.EventType = norm.Mapped(mapping, n.Topic)
	ev.TenantId = n.AppID
	norm.Occurred(ev, n.CreatedAt.Time)
	norm.SetMeta(ev.Metadata, "notification_id", n.ID)
	if n.Data == nil || len(n.Data.Item) == 0 || string(n.Data.Item) == "null" {
		return nil
	}
	if !norm.IsObject(n.Data.Item) {
		return norm.Invalid("intercom", "data.item of %q is not an object", n.Topic)
	}
	var item intercomItem
	if err := norm.Unmarshal(n.Data.Item, &item); err != nil {
		return norm.Invalid("intercom", "decode data.item of %q: %v", n.Topic, err)
	}
	ev.EntityType = item.Type
	ev.EntityId = string(item.ID)
	norm.SetMeta(ev.Metadata, "external_id", item.ExternalID)
	norm.SetMeta(ev.Metadata, "role", item.Role)
	switch item.Type {
	case "contact", "user", "lead":
		// A contact is the user its own events are about.
		ev.UserId = string(item.ID)
	case "conversation", "ticket":
		if item.Contacts != nil && len(item.Contacts.Contacts) > 0 {
			ev.UserId = item.Contacts.Contacts[0].ID
		}
	}
	return nil
}
