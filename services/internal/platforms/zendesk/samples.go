package zendesk

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// zendeskWebhookID is the fixed webhook of the sending account: a retry
// or a second event carries the same scope, as in production.
const zendeskWebhookID = "01GK8E6BKWMJZD2T8Y5AXJQMG5"

// samples are the Zendesk event-subscription webhooks `hookmesh send`
// builds.
var samples = platform.Samples{
	Default:     "zen:event-type:user.created",
	NewID:       func(time.Time) string { return strconv.FormatUint(1e10+randid.Uint()%9e10, 10) }, // invocation ids are integers
	Templates:   templates,
	TypeHeaders: func(string) map[string]string { return map[string]string{"X-Zendesk-Webhook-Id": zendeskWebhookID} },
	IDHeaders:   func(id string) http.Header { return http.Header{"X-Zendesk-Webhook-Invocation-Id": {id}} },
}

var templates = map[string]platform.Template{
	"zen:event-type:user.created": eventTemplate("user.created", `{"created_at": "%[2]s", "email": "ann@example.com", "external_id": "", "default_group_id": "0", "id": "%[1]s", "organization_id": "0", "role": "end-user", "updated_at": "%[2]s"}`, `{}`),
	"zen:event-type:user.name_changed": eventTemplate("user.name_changed", `{"created_at": "2024-03-08T15:04:05Z", "email": "ann@example.com", "external_id": "", "default_group_id": "0", "id": "%[1]s", "organization_id": "0", "role": "end-user", "updated_at": "%[2]s"}`,
		`{"current": "Ann Example", "previous": "Ann"}`),
}

// eventTemplate renders a Zendesk event-subscription webhook of a user; in
// detail, %[1]s is the user id and %[2]s now.
func eventTemplate(typ, detail, event string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		user := strconv.FormatUint(6596848315901+randid.Uint()%1e9, 10)
		ts := now.UTC().Format(time.RFC3339)
		return fmt.Sprintf(`{"type": "zen:event-type:%s", "account_id": 12514403, "id": "%s", "time": "%s", "zendesk_event_version": "2022-06-20", "subject": "zen:user:%s", "detail": %s, "event": %s}`,
			typ, randid.UUID(), ts, user, fmt.Sprintf(detail, user, ts), event), http.Header{"X-Zendesk-Webhook-Id": {zendeskWebhookID}}
	}
}
