package twitch

import (
	"encoding/json"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
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
	ID                string    `json:"id"`
	MessageID         string    `json:"message_id"`
	UserID            string    `json:"user_id"`
	ChatterUserID     string    `json:"chatter_user_id"`
	BroadcasterUserID string    `json:"broadcaster_user_id"`
	Tier              string    `json:"tier"`
	IsGift            norm.Bool `json:"is_gift"`
}

// EventSub message types (twitch-eventsub-message-type).
const (
	twitchNotification = "notification"
	twitchVerification = "webhook_callback_verification"
	twitchRevocation   = "revocation"
)

// normalize reads a Twitch EventSub webhook. Required: a JSON object
// with a subscription that has a type. The source type is the subscription
// type ("channel.subscribe") for notifications, and the message type
// ("webhook_callback_verification", "revocation") otherwise; the message
// type comes from twitch-eventsub-message-type, or from the body's shape
// when that header is missing.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var m twitchMessage
	if err := norm.DecodeObject("twitch", r.Body, &m); err != nil {
		return err
	}
	if m.Subscription == nil || m.Subscription.Type == "" {
		return norm.Invalid("twitch", "body has no subscription type")
	}
	sub := m.Subscription
	kind := r.Header("twitch-eventsub-message-type")
	if kind == "" {
		kind = twitchNotification
		if m.Challenge != nil {
			kind = twitchVerification
		}
	}
	norm.SetMeta(ev.Metadata, "message_type", kind)
	norm.SetMeta(ev.Metadata, "subscription_id", sub.ID)
	norm.SetMeta(ev.Metadata, "subscription_type", sub.Type)
	norm.SetMeta(ev.Metadata, "subscription_version", sub.Version)
	norm.SetMeta(ev.Metadata, "subscription_status", sub.Status)
	norm.SetMeta(ev.Metadata, "retry", r.Header("twitch-eventsub-message-retry"))
	ev.TenantId = sub.Condition.BroadcasterUserID
	// The signed time the message was sent; Twitch keeps it on retries.
	if t, err := time.Parse(time.RFC3339Nano, r.Header("twitch-eventsub-message-timestamp")); err == nil {
		norm.Occurred(ev, t)
	}

	if kind != twitchNotification {
		ev.SourceEventType = kind
		ev.EventType = norm.Mapped(mapping, kind)
		ev.EntityType = "eventsub_subscription"
		ev.EntityId = sub.ID
		return nil
	}
	ev.SourceEventType = sub.Type
	ev.EventType = norm.Mapped(mapping, sub.Type)
	if !norm.IsObject(m.Event) {
		return norm.Invalid("twitch", "notification %q has no event object", sub.Type)
	}
	var e twitchEvent
	if err := norm.Unmarshal(m.Event, &e); err != nil {
		return norm.Invalid("twitch", "decode event of %q: %v", sub.Type, err)
	}
	if e.BroadcasterUserID != "" {
		ev.TenantId = e.BroadcasterUserID
	}
	ev.UserId = eventid.First(e.UserID, e.ChatterUserID)
	norm.SetMeta(ev.Metadata, "tier", e.Tier)
	norm.SetMeta(ev.Metadata, "is_gift", e.IsGift.String())
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
