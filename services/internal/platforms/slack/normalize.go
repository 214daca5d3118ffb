package slack

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// slackEnvelope is the outer Events API body.
type slackEnvelope struct {
	Type      string          `json:"type"`
	EventID   string          `json:"event_id"`
	EventTime *int64          `json:"event_time"`
	TeamID    string          `json:"team_id"`
	APIAppID  string          `json:"api_app_id"`
	Event     json.RawMessage `json:"event"`
}

// slackEvent is the inner event. user and channel are ids in message
// events but objects in others (user_change, channel_created), so both are
// norm.Ref.
type slackEvent struct {
	Type        string   `json:"type"`
	Subtype     string   `json:"subtype"`
	User        norm.Ref `json:"user"`
	Channel     norm.Ref `json:"channel"`
	ChannelType string   `json:"channel_type"`
	TS          string   `json:"ts"`
	EventTS     string   `json:"event_ts"`
	ThreadTS    string   `json:"thread_ts"`
	BotID       string   `json:"bot_id"`
	ItemUser    string   `json:"item_user"`
	// Item is what a reaction, pin or star is about.
	Item *struct {
		Channel string `json:"channel"`
		TS      string `json:"ts"`
	} `json:"item"`
}

// slackPostedSubtypes are the message subtypes that are a new message
// posted: none (a plain message), a thread reply also sent to the channel,
// a message sharing a file. Edits, deletions, joins and the like are not.
var slackPostedSubtypes = map[string]bool{"": true, "thread_broadcast": true, "file_share": true}

// normalize reads a Slack Events API request. Required: a JSON object
// with "type"; an event_callback also needs an "event" object with a type.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	var env slackEnvelope
	if err := norm.DecodeObject("slack", r.Body, &env); err != nil {
		return err
	}
	if env.Type == "" {
		return norm.Invalid("slack", "body has no type")
	}
	ev.TenantId = env.TeamID
	norm.SetMeta(ev.Metadata, "api_app_id", env.APIAppID)
	norm.SetMeta(ev.Metadata, "retry_num", r.Header("x-slack-retry-num"))
	norm.SetMeta(ev.Metadata, "retry_reason", r.Header("x-slack-retry-reason"))
	if env.EventTime != nil {
		norm.Occurred(ev, norm.UnixTime(*env.EventTime))
	}

	if env.Type != "event_callback" {
		// url_verification (the edge answers the challenge itself, so this
		// is rare) and app_rate_limited carry no event_id: key them by
		// content so identical retries still deduplicate.
		ev.SourceEventType = env.Type
		ev.EventType = norm.Mapped(mapping, env.Type)
		if env.EventID == "" {
			key := eventid.ContentKey(r.Body)
			ev.EventId, ev.Source = key.EventID, key.Source
		}
		return nil
	}

	if !norm.IsObject(env.Event) {
		return norm.Invalid("slack", "event_callback has no event object")
	}
	var e slackEvent
	if err := norm.Unmarshal(env.Event, &e); err != nil {
		return norm.Invalid("slack", "decode event: %v", err)
	}
	if e.Type == "" {
		return norm.Invalid("slack", "event_callback event has no type")
	}
	ev.SourceEventType = e.Type
	ev.EventType = norm.Mapped(mapping, e.Type)
	if e.Type == "message" && !slackPostedSubtypes[e.Subtype] {
		ev.EventType = eventv1.EventType_EVENT_TYPE_UNMAPPED
	}
	ev.UserId = string(e.User)
	norm.SetMeta(ev.Metadata, "channel", string(e.Channel))
	norm.SetMeta(ev.Metadata, "channel_type", e.ChannelType)
	norm.SetMeta(ev.Metadata, "subtype", e.Subtype)
	norm.SetMeta(ev.Metadata, "thread_ts", e.ThreadTS)
	norm.SetMeta(ev.Metadata, "bot_id", e.BotID)
	norm.SetMeta(ev.Metadata, "item_user", e.ItemUser)
	if e.Item != nil {
		norm.SetMeta(ev.Metadata, "item_channel", e.Item.Channel)
		norm.SetMeta(ev.Metadata, "item_ts", e.Item.TS)
	}
	if env.EventTime == nil {
		norm.Occurred(ev, slackTS(e.EventTS))
	}

	if e.Type == "message" || e.Type == "app_mention" {
		ts := e.TS
		if ts == "" {
			ts = e.EventTS
		}
		// A message's ts is unique only within its channel.
		ev.EntityType = "message"
		ev.EntityId = string(e.Channel) + ":" + ts
	}
	return nil
}

// slackTS reads a Slack timestamp such as "1700000000.123456" (unix
// seconds and microseconds as a string); a malformed one reads as zero.
func slackTS(ts string) time.Time {
	sec, _, _ := strings.Cut(ts, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || n <= 0 || n >= 1e12 {
		return time.Time{}
	}
	return norm.UnixTime(n)
}
