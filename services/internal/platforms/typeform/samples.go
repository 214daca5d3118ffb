package typeform

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Typeform webhooks `hookmesh send` builds, modelled on
// Typeform's example payload. The fresh id is the event_id (a ULID, as
// Typeform sends today).
var samples = platform.Samples{
	Default:   "form_response",
	NewID:     func(time.Time) string { return "01" + randid.Base32(24) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"form_response": func(id string, now time.Time) (string, http.Header) {
		submitted := now.UTC().Truncate(time.Second)
		return fmt.Sprintf(`{"event_id": "%[1]s", "event_type": "form_response", "form_response": {"form_id": "lT4Z3j", "token": "%[2]s", "landed_at": "%[3]s", "submitted_at": "%[4]s", "calculated": {"score": 9}, "variables": [{"key": "score", "type": "number", "number": 4}, {"key": "name", "type": "text", "text": "typeform"}], "hidden": {"user_id": "abc123456"}, "definition": {"id": "lT4Z3j", "title": "Webhooks example", "fields": [{"id": "JwWggjAKtOkA", "title": "What is your first name?", "type": "short_text", "ref": "readable_ref_short_text", "properties": {}}, {"id": "SMEUb7VJz92Q", "title": "What is your email address?", "type": "email", "ref": "readable_ref_email", "properties": {}}, {"id": "pn48RmPazVdM", "title": "On a scale of 1 to 5, what rating would you give the weather in Sydney?", "type": "opinion_scale", "ref": "readable_ref_opinion_scale", "properties": {}}]}, "answers": [{"type": "text", "text": "Laura", "field": {"id": "JwWggjAKtOkA", "type": "short_text", "ref": "readable_ref_short_text"}}, {"type": "email", "email": "laura@example.com", "field": {"id": "SMEUb7VJz92Q", "type": "email", "ref": "readable_ref_email"}}, {"type": "number", "number": 5, "field": {"id": "pn48RmPazVdM", "type": "opinion_scale", "ref": "readable_ref_opinion_scale"}}], "ending": {"id": "DefaultTyScreen", "ref": "default_tys"}}}`,
			id, randid.Pick("0123456789abcdef", 32), submitted.Add(-90*time.Second).Format(time.RFC3339), submitted.Format(time.RFC3339)), nil
	},
}
