package calendly

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Calendly webhooks `hookmesh send` builds, modelled on
// the invitee payloads of Calendly's docs. The fresh id is the invitee's
// UUID (16 upper-case letters and digits, as in Calendly's examples); the
// dedup key is derived from the body (key), so it is keyed by content.
var samples = platform.Samples{
	Default:        "invitee.created",
	NewID:          func(time.Time) string { return randid.Pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 16) },
	Templates:      templates,
	KeyedByContent: true,
}

var templates = map[string]platform.Template{
	"invitee.created":  inviteeTemplate("invitee.created", "active", ""),
	"invitee.canceled": inviteeTemplate("invitee.canceled", "canceled", `"cancellation": {"canceled_by": "Jane Doe", "reason": "Schedule conflict", "canceler_type": "invitee", "created_at": "{at}"}, `),
}

// inviteeTemplate renders an invitee webhook; extra, when set, is more
// fields of the invitee ({at} in it is the time).
func inviteeTemplate(event, status, extra string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		at := now.UTC().Format("2006-01-02T15:04:05.000000Z")
		start := now.Add(48 * time.Hour).UTC().Truncate(time.Hour)
		return fmt.Sprintf(`{"created_at": "%[2]s", "created_by": "https://api.calendly.com/users/EBHAAFHDCAEQTSEZ", "event": "%[3]s", "payload": {"cancel_url": "https://calendly.com/cancellations/%[1]s", "created_at": "%[2]s", "email": "jane.doe@example.com", "event": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2", "first_name": "Jane", "last_name": "Doe", "name": "Jane Doe", "new_invitee": null, "old_invitee": null, "questions_and_answers": [{"answer": "Pricing for the team plan", "position": 0, "question": "What would you like to discuss?"}], "reschedule_url": "https://calendly.com/reschedulings/%[1]s", "rescheduled": false, "routing_form_submission": null, "scheduled_event": {"created_at": "%[2]s", "end_time": "%[5]s", "event_guests": [], "event_memberships": [{"user": "https://api.calendly.com/users/EBHAAFHDCAEQTSEZ", "user_email": "host@example.com", "user_name": "Alex Host"}], "event_type": "https://api.calendly.com/event_types/GBGBDCAADAEDCRZ2", "invitees_counter": {"active": 1, "limit": 1, "total": 1}, "location": {"join_url": "https://calendly.com/events/GBGBDCAADAEDCRZ2/google_meet", "status": "pushed", "type": "google_conference"}, "name": "30 Minute Meeting", "start_time": "%[4]s", "status": "%[6]s", "updated_at": "%[2]s", "uri": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2"}, %[7]s"status": "%[6]s", "text_reminder_number": null, "timezone": "America/New_York", "tracking": {"utm_campaign": null, "utm_source": null, "utm_medium": null, "utm_content": null, "utm_term": null, "salesforce_uuid": null}, "updated_at": "%[2]s", "uri": "https://api.calendly.com/scheduled_events/GBGBDCAADAEDCRZ2/invitees/%[1]s"}}`,
			id, at, event, start.Format(time.RFC3339), start.Add(30*time.Minute).Format(time.RFC3339), status, strings.ReplaceAll(extra, "{at}", at)), nil
	}
}
