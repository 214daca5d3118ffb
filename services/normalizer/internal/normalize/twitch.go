package normalize

import (
	"encoding/json"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// twitchMessage is a Twitch EventSub webhook body: {"subscription": {...},
// "event": {...}} for a notification, {"challenge": ..., "subscription":
// {...}} for the callback verification, {"subscription": {...}} for a
// revocation.
type twitchMessage struct {
	Challenge    *string         `json:"challenge"`
	Event        json.RawMessage `json:"event"`
	Subscription *struct {
		ID        string `json:"id"`
		Type      string `json:"type"`
		Version   string `json:"version"`
		Status    string `json:"status"`
		Condition struct {
			BroadcasterUserID string `json:"broadcaster_user_id"`
			UserID            string `json:"user_id"`
		} `json:"condition"`
	} `json:"subscription"`
}

// twitchEvent is the part of an EventSub event the adapter reads. Twitch
// ids are strings.
type twitchEvent struct {
	ID                string   `json:"id"`
	MessageID         string   `json:"message_id"`
	UserID            string   `json:"user_id"`
	ChatterUserID     string   `json:"chatter_user_id"`
	BroadcasterUserID string   `json:"broadcaster_user_id"`
	Tier              string   `json:"tier"`
	IsGift            jsonBool `json:"is_gift"`
}

// EventSub message types (twitch-eventsub-message-type).
const (
	twitchNotification = "notification"
	twitchVerification = "webhook_callback_verification"
	twitchRevocation   = "revocation"
)

// normalizeTwitch reads a Twitch EventSub webhook. Required: a JSON object
// with a subscription that has a type. The source type is the subscription
// type ("channel.subscribe") for notifications, and the message type
// ("webhook_callback_verification", "revocation") otherwise; the message
// type comes from twitch-eventsub-message-type, or from the body's shape
// when that header is missing.
func normalizeTwitch(r request, ev *eventv1.NormalizedEvent) error {
	var m twitchMessage
	if err := decodeObject("twitch", r.Body, &m); err != nil {
		return err
	}
	if m.Subscription == nil || m.Subscription.Type == "" {
		return invalid("twitch", "body has no subscription type")
	}
	sub := m.Subscription
	kind := r.Header("twitch-eventsub-message-type")
	if kind == "" {
		kind = twitchNotification
		if m.Challenge != nil {
			kind = twitchVerification
		}
	}
	setMeta(ev.Metadata, "message_type", kind)
	setMeta(ev.Metadata, "subscription_id", sub.ID)
	setMeta(ev.Metadata, "subscription_type", sub.Type)
	setMeta(ev.Metadata, "subscription_version", sub.Version)
	setMeta(ev.Metadata, "subscription_status", sub.Status)
	setMeta(ev.Metadata, "retry", r.Header("twitch-eventsub-message-retry"))
	ev.TenantId = sub.Condition.BroadcasterUserID
	// The signed time the message was sent; Twitch keeps it on retries.
	if t, err := time.Parse(time.RFC3339Nano, r.Header("twitch-eventsub-message-timestamp")); err == nil {
		occurred(ev, t)
	}

	if kind != twitchNotification {
		ev.SourceEventType = kind
		ev.EventType = eventType("twitch", kind)
		ev.EntityType = "eventsub_subscription"
		ev.EntityId = sub.ID
		return nil
	}
	ev.SourceEventType = sub.Type
	ev.EventType = eventType("twitch", sub.Type)
	if !isObject(m.Event) {
		return invalid("twitch", "notification %q has no event object", sub.Type)
	}
	var e twitchEvent
	if err := unmarshal(m.Event, &e); err != nil {
		return invalid("twitch", "decode event of %q: %v", sub.Type, err)
	}
	if e.BroadcasterUserID != "" {
		ev.TenantId = e.BroadcasterUserID
	}
	ev.UserId = firstNonEmpty(e.UserID, e.ChatterUserID)
	setMeta(ev.Metadata, "tier", e.Tier)
	setMeta(ev.Metadata, "is_gift", e.IsGift.String())
	switch {
	case sub.Type == "channel.chat.message":
		ev.EntityType, ev.EntityId = "message", e.MessageID
	case e.ID != "":
		ev.EntityType, ev.EntityId = sub.Type, e.ID
	case e.BroadcasterUserID != "" && e.UserID != "":
		// A channel subscription (or follow, ban ...) is the pair of
		// the channel and the user: Twitch gives it no id of its own.
		// Subscribe and subscription.end share the entity type, so a
		// consumer can match a cancellation to its creation.
		ev.EntityType, ev.EntityId = sub.Type, e.BroadcasterUserID+":"+e.UserID
		if sub.Type == "channel.subscribe" || strings.HasPrefix(sub.Type, "channel.subscription.") {
			ev.EntityType = "channel_subscription"
		}
	}
	return nil
}
