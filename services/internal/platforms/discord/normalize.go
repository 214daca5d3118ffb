package discord

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// discordUser is a Discord user object; ids are snowflakes in strings.
type discordUser struct {
	ID string `json:"id"`
}

// discordBody is either an interaction (the Interactions Endpoint URL:
// {"id", "type": 1..5, "token", ...}) or a webhook event (the Event
// Webhooks URL: {"version": 1, "type": 0 ping / 1 event, "event":
// {"type": "APPLICATION_AUTHORIZED", "timestamp", "data"}}).
type discordBody struct {
	ID            string       `json:"id"`
	ApplicationID string       `json:"application_id"`
	Type          *int         `json:"type"`
	GuildID       string       `json:"guild_id"`
	ChannelID     string       `json:"channel_id"`
	User          *discordUser `json:"user"`
	Member        *struct {
		User *discordUser `json:"user"`
	} `json:"member"`
	Data *struct {
		Name     string `json:"name"`
		CustomID string `json:"custom_id"`
	} `json:"data"`
	Event json.RawMessage `json:"event"`
}

// discordWebhookEvent is the event of an Event Webhooks delivery. Its
// timestamp is ISO 8601 without an offset ("2024-10-18T14:42:53.064834"),
// read as UTC.
type discordWebhookEvent struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      *struct {
		ID      string       `json:"id"`
		UserID  string       `json:"user_id"`
		GuildID string       `json:"guild_id"`
		SkuID   string       `json:"sku_id"`
		User    *discordUser `json:"user"`
		Guild   *struct {
			ID string `json:"id"`
		} `json:"guild"`
	} `json:"data"`
}

// discordInteractionTypes names the interaction types.
var discordInteractionTypes = map[int]string{
	1: "PING",
	2: "APPLICATION_COMMAND",
	3: "MESSAGE_COMPONENT",
	4: "APPLICATION_COMMAND_AUTOCOMPLETE",
	5: "MODAL_SUBMIT",
}

// discordEpochMillis is the first millisecond of 2015, the epoch of
// Discord snowflakes.
const discordEpochMillis = 1420070400000

// normalize reads a Discord interaction or webhook event. Required:
// a JSON object with a numeric type. The source type is the interaction
// type's name ("PING", "APPLICATION_COMMAND"), or the webhook event's type
// ("APPLICATION_AUTHORIZED"; "PING" for its ping).
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var b discordBody
	if err := norm.DecodeObject("discord", r.Body, &b); err != nil {
		return err
	}
	if b.Type == nil {
		return norm.Invalid("discord", "body has no type")
	}
	norm.SetMeta(ev.Metadata, "application_id", b.ApplicationID)
	if (len(b.Event) > 0 && string(b.Event) != "null") || (*b.Type == 0 && b.ID == "") {
		return discordWebhook(r, &b, ev)
	}
	name, ok := discordInteractionTypes[*b.Type]
	if !ok {
		name = "INTERACTION_TYPE_" + strconv.Itoa(*b.Type)
	}
	ev.SourceEventType = name
	ev.EventType = norm.Mapped(mapping, name)
	ev.EntityType = "interaction"
	ev.EntityId = b.ID
	ev.TenantId = b.GuildID
	if b.Member != nil && b.Member.User != nil {
		ev.UserId = b.Member.User.ID
	} else if b.User != nil {
		ev.UserId = b.User.ID
	}
	norm.SetMeta(ev.Metadata, "channel_id", b.ChannelID)
	if b.Data != nil {
		norm.SetMeta(ev.Metadata, "command", b.Data.Name)
		norm.SetMeta(ev.Metadata, "custom_id", b.Data.CustomID)
	}
	// A snowflake carries its creation time: the top 42 bits are
	// milliseconds since the Discord epoch.
	if id, err := strconv.ParseUint(b.ID, 10, 64); err == nil {
		norm.Occurred(ev, time.UnixMilli(int64(id>>22)+discordEpochMillis).UTC())
	}
	return nil
}

// discordWebhook reads an Event Webhooks delivery. Such a delivery has
// no id, so key cannot read one; like the edge, and like a Slack
// url_verification, it is keyed by its content.
func discordWebhook(r norm.Request, b *discordBody, ev *eventv1.NormalizedEvent) error {
	if b.ID == "" {
		key := eventid.ContentKey(r.Body)
		ev.EventId, ev.Source = key.EventID, key.Source
	}
	if *b.Type == 0 {
		ev.SourceEventType = "PING"
		ev.EventType = norm.Mapped(mapping, "PING")
		return nil
	}
	if !norm.IsObject(b.Event) {
		return norm.Invalid("discord", "webhook event is not an object")
	}
	var e discordWebhookEvent
	if err := norm.Unmarshal(b.Event, &e); err != nil {
		return norm.Invalid("discord", "decode webhook event: %v", err)
	}
	if e.Type == "" {
		return norm.Invalid("discord", "webhook event has no type")
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	if e.Timestamp != "" {
		t, err := discordTime(e.Timestamp)
		if err != nil {
			return norm.Invalid("discord", "event %q: %v", e.Type, err)
		}
		norm.Occurred(ev, t)
	}
	if d := e.Data; d != nil {
		ev.UserId, ev.TenantId = d.UserID, d.GuildID
		if d.User != nil {
			ev.UserId = d.User.ID
		}
		if d.Guild != nil {
			ev.TenantId = d.Guild.ID
		}
		if d.ID != "" {
			// ENTITLEMENT_CREATE: the entitlement (sku_id is what it
			// grants).
			ev.EntityType = strings.ToLower(strings.SplitN(e.Type, "_", 2)[0])
			ev.EntityId = d.ID
		}
		norm.SetMeta(ev.Metadata, "sku_id", d.SkuID)
	}
	return nil
}

// discordTime reads an ISO 8601 time with or without an offset (UTC then).
func discordTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
