package pagerduty

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the PagerDuty webhooks `hookmesh send` builds, modelled on
// the payloads of PagerDuty's v3 overview. The default is the test event
// PagerDuty's "Send test event" sends, the one type that maps (PING). The fresh id is the
// X-Webhook-Id (a UUID); event.id is a ULID-like id of its own, as
// PagerDuty's are.
var samples = platform.Samples{
	Default:   "pagey.ping",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	IDHeaders: func(id string) http.Header {
		return http.Header{idHeader: {id}, subscriptionHeader: {"PY1OL64"}}
	},
}

var templates = map[string]platform.Template{
	"incident.triggered":    incident("incident.triggered", "triggered"),
	"incident.acknowledged": incident("incident.acknowledged", "acknowledged"),
	"incident.resolved":     incident("incident.resolved", "resolved"),
	"pagey.ping":            ping,
}

func envelope(eventType, resourceType string, now time.Time, data string) string {
	return fmt.Sprintf(`{"event": {"id": "%s", "event_type": "%s", "resource_type": "%s", "occurred_at": "%s", "agent": {"html_url": "https://acme.pagerduty.com/users/PLH1HKV", "id": "PLH1HKV", "self": "https://api.pagerduty.com/users/PLH1HKV", "summary": "Tenex Engineer", "type": "user_reference"}, "client": {"name": "PagerDuty"}, "data": %s}}`,
		randid.Base32(26), eventType, resourceType, now.UTC().Format("2006-01-02T15:04:05.000Z"), data)
}

func incident(eventType, status string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return envelope(eventType, "incident", now, fmt.Sprintf(`{"id": "Q%s", "type": "incident", "self": "https://api.pagerduty.com/incidents/PGR0VU2", "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2", "number": 2, "status": "%s", "incident_key": "d3640fbd41094207a1c11e58e46b1662", "created_at": "%s", "title": "A little bump in the road", "service": {"html_url": "https://acme.pagerduty.com/services/PF9KMXH", "id": "PF9KMXH", "self": "https://api.pagerduty.com/services/PF9KMXH", "summary": "API Service", "type": "service_reference"}, "assignees": [{"html_url": "https://acme.pagerduty.com/users/PTUXL6G", "id": "PTUXL6G", "self": "https://api.pagerduty.com/users/PTUXL6G", "summary": "User 123", "type": "user_reference"}], "escalation_policy": {"html_url": "https://acme.pagerduty.com/escalation_policies/PUS0KTE", "id": "PUS0KTE", "self": "https://api.pagerduty.com/escalation_policies/PUS0KTE", "summary": "Default", "type": "escalation_policy_reference"}, "teams": [], "priority": {"html_url": "https://acme.pagerduty.com/account/incident_priorities", "id": "PSO75BM", "self": "https://api.pagerduty.com/priorities/PSO75BM", "summary": "P1", "type": "priority_reference"}, "urgency": "high", "conference_bridge": null, "resolve_reason": null}`,
			randid.Base32(6), status, now.UTC().Add(-time.Minute).Format(time.RFC3339))), jsonHeader()
	}
}

func ping(_ string, now time.Time) (string, http.Header) {
	return envelope("pagey.ping", "pagey", now, `{"message": "Hello from your friend Pagey!", "type": "ping"}`), jsonHeader()
}

// jsonHeader is a fresh header map per sample: callers add to it.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
