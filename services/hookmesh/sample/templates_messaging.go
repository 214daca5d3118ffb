package sample

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Messaging platforms: Twitch, Discord.

var twitchTemplates = map[string]template{
	"channel.subscribe":    twitchEvent("channel.subscribe", `{"user_id": "1234", "user_login": "cool_user", "user_name": "Cool_User", "broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "tier": "1000", "is_gift": false}`),
	"channel.chat.message": twitchEvent("channel.chat.message", `{"broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "chatter_user_id": "4145994", "chatter_user_login": "viptest", "chatter_user_name": "viptest", "message_id": "{uuid}", "message": {"text": "Hi chat", "fragments": [{"type": "text", "text": "Hi chat", "cheermote": null, "emote": null, "mention": null}]}, "color": "#00FF7F", "badges": [{"set_id": "vip", "id": "1", "info": ""}], "message_type": "text", "cheer": null, "reply": null, "channel_points_custom_reward_id": null}`),
	"channel.follow":       twitchEvent("channel.follow", `{"user_id": "1234", "user_login": "cool_user", "user_name": "Cool_User", "broadcaster_user_id": "12826", "broadcaster_user_login": "twitch", "broadcaster_user_name": "Twitch", "followed_at": "{now}"}`),
}

// twitchEvent renders an EventSub notification; in event, {uuid} becomes
// a fresh uuid and {now} the time.
func twitchEvent(typ, event string) template {
	return func(_ string, now time.Time) (string, http.Header) {
		version := "1"
		if typ == "channel.follow" {
			version = "2"
		}
		body := fmt.Sprintf(`{"subscription": {"id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4", "status": "enabled", "type": "%s", "version": "%s", "cost": 0, "condition": {"broadcaster_user_id": "12826"}, "transport": {"method": "webhook", "callback": "https://hooks.example.com/webhooks/twitch"}, "created_at": "2024-03-08T15:00:00.634234626Z"}, "event": %s}`,
			typ, version, strings.NewReplacer("{uuid}", uuid(), "{now}", now.UTC().Format(time.RFC3339Nano)).Replace(event))
		// Twitch-Eventsub-Message-Id/-Timestamp/-Signature/-Type come from Sign.
		return body, http.Header{"Twitch-Eventsub-Subscription-Type": {typ}, "Twitch-Eventsub-Subscription-Version": {version},
			"Twitch-Eventsub-Message-Retry": {"0"}}
	}
}

var discordTemplates = map[string]template{
	// A slash command interaction; id is a fresh snowflake.
	"application_command": func(id string, _ time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"app_permissions": "562949953601536", "application_id": "1215371282337402890", "authorizing_integration_owners": {"0": "1215371629864702002"}, "channel": {"id": "1215371630426771506", "name": "general", "type": 0, "guild_id": "1215371629864702002"}, "channel_id": "1215371630426771506", "context": 0, "data": {"id": "1215390174375268362", "name": "refund", "type": 1, "options": [{"name": "order", "type": 3, "value": "A-1001"}]}, "entitlements": [], "guild_id": "1215371629864702002", "guild_locale": "en-US", "id": "%s", "locale": "en-US", "member": {"user": {"id": "80351110224678912", "username": "nelly", "global_name": "Nelly", "discriminator": "0", "avatar": null}, "roles": [], "joined_at": "2024-03-08T10:00:00.000000+00:00", "permissions": "562949953601536", "nick": null}, "token": "aW50ZXJhY3Rpb246%s", "type": 2, "version": 1}`,
			id, strings.ToLower(alnum(60))), nil
	},
	// The interaction PING Discord sends when the endpoint is saved: the
	// edge answers {"type":1} itself (200) and records nothing.
	"ping": func(id string, _ time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"application_id": "1215371282337402890", "id": "%s", "token": "aW50ZXJhY3Rpb246%s", "type": 1, "user": {"id": "80351110224678912", "username": "nelly", "discriminator": "0"}, "version": 1}`,
			id, strings.ToLower(alnum(60))), nil
	},
}
