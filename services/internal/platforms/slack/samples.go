package slack

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Slack Events API callbacks `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "message",
	NewID:     func(time.Time) string { return "Ev" + strings.ToUpper(randid.Alnum(10)) },
	Templates: templates,
}

// In the event templates below %[1]s is a Slack message ts (unix seconds
// with microseconds) derived from now, so each sample is a new message.
var templates = map[string]platform.Template{
	"message":        eventTemplate(`{"type": "message", "channel": "C0LAN2Q65", "user": "U061F7AUR", "text": "Deploy finished :rocket:", "ts": "%[1]s", "event_ts": "%[1]s", "channel_type": "channel", "client_msg_id": "5a1c2f4e-7b3d-4e8a-9c6f-0d1e2f3a4b5c", "blocks": [{"type": "rich_text", "block_id": "Bx3", "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": "Deploy finished "}, {"type": "emoji", "name": "rocket"}]}]}]}`),
	"app_mention":    eventTemplate(`{"type": "app_mention", "channel": "C0LAN2Q65", "user": "U061F7AUR", "text": "<@U0LAN0Z89> is it everything a river should be?", "ts": "%[1]s", "event_ts": "%[1]s"}`),
	"reaction_added": eventTemplate(`{"type": "reaction_added", "user": "U061F7AUR", "reaction": "thumbsup", "item_user": "U0G9QF9C6", "item": {"type": "message", "channel": "C0LAN2Q65", "ts": "1732838400.000200"}, "event_ts": "%[1]s"}`),
}

func eventTemplate(event string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		ts := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
		return fmt.Sprintf(`{"token": "XXYYZZ", "team_id": "T061EG9R6", "context_team_id": "T061EG9R6", "api_app_id": "A0MDYCDME", "event": %s, "type": "event_callback", "event_id": "%s", "event_time": %d, "authorizations": [{"enterprise_id": null, "team_id": "T061EG9R6", "user_id": "U0LAN0Z89", "is_bot": true, "is_enterprise_install": false}], "is_ext_shared_channel": false, "event_context": "4-eyJldCI6Im1lc3NhZ2UifQ"}`,
			fmt.Sprintf(event, ts), id, now.Unix()), nil
	}
}
