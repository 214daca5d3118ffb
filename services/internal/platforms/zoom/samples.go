package zoom

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Zoom webhooks `hookmesh send` builds, modelled on the
// event payloads of Zoom's docs (as Rivet types them). The fresh id is
// the object's id; the dedup key is derived from the body (key).
var samples = platform.Samples{
	Default:        "user.created",
	NewID:          func(time.Time) string { return randid.Alnum(22) },
	Templates:      templates,
	KeyedByContent: true,
}

const sampleAccount = "AAAAAABBBB1234CCCCC_dd"

var templates = map[string]platform.Template{
	"user.created":                     eventTemplate("user.created", `"creation_type": "create", "object": {"id": "%[1]s", "first_name": "Jill", "last_name": "Chill", "display_name": "Jill Chill", "email": "jill.chill@example.com", "type": 1}`),
	"user.updated":                     eventTemplate("user.updated", `"object": {"id": "%[1]s", "timezone": "America/New_York"}, "old_object": {"id": "%[1]s", "timezone": "America/Los_Angeles"}, "time_stamp": %[2]d`),
	"team_chat.channel_message_posted": eventTemplate("team_chat.channel_message_posted", `"operator_member_id": "hN9GSuSaT5GEEOvwYtBkBQ", "by_external_user": false, "object": {"message_id": "%[1]s", "date_time": "%[3]s", "timestamp": %[2]d, "channel_id": "6a8e7d2c5b4f4e3aa1b2c3d4e5f60718", "channel_name": "release-train", "message": "Build 1024 is green, shipping at 3pm"}`),
	"meeting.started":                  eventTemplate("meeting.started", `"object": {"id": "85746065432", "uuid": "%[1]s==", "host_id": "z8yCxjabcdEFGHfp8uQ", "topic": "Weekly sync", "type": 2, "start_time": "%[3]s", "timezone": "America/New_York", "duration": 30}`),
}

// eventTemplate renders an event whose payload carries the account, an
// operator and object; in object, %[1]s is the fresh id, %[2]d the time
// in unix ms and %[3]s in RFC 3339.
func eventTemplate(event, object string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		ms := now.UnixMilli()
		return fmt.Sprintf(`{"event": "%s", "event_ts": %d, "payload": {"account_id": "%s", "operator": "admin@example.com", "operator_id": "z8yCxjabcdEFGHfp8uQ", %s}}`,
			event, ms, sampleAccount, fmt.Sprintf(object, id, ms, now.UTC().Format(time.RFC3339))), nil
	}
}
