package normalize

import (
	"encoding/json"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// intercomNotification is Intercom's webhook envelope:
// {"type": "notification_event", "id": "notif_...", "topic":
// "contact.user.created", "app_id": ..., "created_at": <unix s>,
// "data": {"item": {...}}}.
type intercomNotification struct {
	Type             string   `json:"type"`
	ID               string   `json:"id"`
	Topic            string   `json:"topic"`
	AppID            string   `json:"app_id"`
	CreatedAt        jsonTime `json:"created_at"`
	DeliveryAttempts *int64   `json:"delivery_attempts"`
	Data             *struct {
		Item json.RawMessage `json:"item"`
	} `json:"data"`
}

// intercomItem is the resource of a notification (contact, user,
// conversation ...).
type intercomItem struct {
	Type       string `json:"type"`
	ID         jsonID `json:"id"`
	ExternalID string `json:"external_id"`
	UserID     string `json:"user_id"`
	Role       string `json:"role"`
	// conversations: the contacts taking part.
	Contacts *struct {
		Contacts []struct {
			ID string `json:"id"`
		} `json:"contacts"`
	} `json:"contacts"`
}

// normalizeIntercom reads an Intercom webhook. Required: a JSON object with
// topic; data.item, when present, must be an object.
func normalizeIntercom(r request, ev *eventv1.NormalizedEvent) error {
	var n intercomNotification
	if err := decodeObject("intercom", r.Body, &n); err != nil {
		return err
	}
	if n.Topic == "" {
		return invalid("intercom", "body has no topic")
	}
	ev.SourceEventType = n.Topic
	ev.EventType = eventType("intercom", n.Topic)
	ev.TenantId = n.AppID
	occurred(ev, n.CreatedAt.Time)
	setMeta(ev.Metadata, "notification_id", n.ID)
	if n.Data == nil || len(n.Data.Item) == 0 || string(n.Data.Item) == "null" {
		return nil
	}
	if !isObject(n.Data.Item) {
		return invalid("intercom", "data.item of %q is not an object", n.Topic)
	}
	var item intercomItem
	if err := unmarshal(n.Data.Item, &item); err != nil {
		return invalid("intercom", "decode data.item of %q: %v", n.Topic, err)
	}
	ev.EntityType = item.Type
	ev.EntityId = string(item.ID)
	setMeta(ev.Metadata, "external_id", item.ExternalID)
	setMeta(ev.Metadata, "role", item.Role)
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
