package twitch

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the EventSub notifications `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "channel.subscribe",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	TypeHeaders: func(typ string) map[string]string {
		return map[string]string{"Twitch-Eventsub-Subscription-Type": typ, "Twitch-Eventsub-Subscription-Version": "1", "Twitch-Eventsub-Message-Retry": "0"}
	},
	IDHeaders: func(id string) http.Header { return http.Header{twitchIDHeader: {id}} },
}

var templates = map[string]platform.Template{
	"channel.subscribe":    event("channel.subscribe", `{"user_id": "1234", "user_login": "cool_user", "user_name": "Cool_User", "broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "tier": "1000", "is_gift": false}`),
	"channel.chat.message": event("channel.chat.message", `{"broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "chatter_user_id": "4145994", "chatter_user_login": "viptest", "chatter_user_name": "viptest", "message_id": "{uuid}", "message": {"text": "Hi chat", "fragments": [{"type": "text", "text": "Hi chat", "cheermote": null, "emote": null, "mention": null}]}, "color": "#00FF7F", "badges": [{"set_id": "vip", "id": "1", "info": ""}], "message_type": "text", "cheer": null, "reply": null, "channel_points_custom_reward_id": null}`),
	"channel.follow":       event("channel.follow", `{"user_id": "1234", "user_login": "cool_user", "user_name": "Cool_User", "broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "followed_at": "{now}"}`),
}

// event renders an EventSub notification; in event, {uuid} becomes a
// fresh uuid and {now} the time.
func event(typ, event string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		version := "1"
		if typ == "channel.follow" {
			version = "2"
		}
		body := fmt.Sprintf(`{"subscription": {"id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4", "status": "enabled", "type": "%s", "version": "%s", "cost": 0, "condition": {"broadcaster_user_id": "12826"}, "transport": {"method": "webhook", "callback": "https://hooks.example.com/webhooks/twitch"}, "created_at": "2024-03-08T15:00:00.634234626Z"}, "event": %s}`,
			typ, version, strings.NewReplacer("{uuid}", randid.UUID(), "{now}", now.UTC().Format(time.RFC3339Nano)).Replace(event))
		// Twitch-Eventsub-Message-Id/-Timestamp/-Signature/-Type come from Sign.
		return body, http.Header{"Twitch-Eventsub-Subscription-Type": {typ}, "Twitch-Eventsub-Subscription-Version": {version},
			"Twitch-Eventsub-Message-Retry": {"0"}}
	}
}
