package okta

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Okta event hook requests `hookmesh send` builds,
// modelled on the sample payload of Okta's event hooks docs. The fresh id
// is the uuid of the one System Log event.
var samples = platform.Samples{
	Default:   "user.lifecycle.create",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"user.lifecycle.create":       logEvent1("user.lifecycle.create", "Create okta user"),
	"user.account.update_profile": logEvent1("user.account.update_profile", "Update user profile for Okta"),
	"user.session.start":          logEvent1("user.session.start", "User login to Okta"),
}

func logEvent1(eventType, message string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		stamp := now.UTC().Format("2006-01-02T15:04:05.000Z")
		return fmt.Sprintf(`{"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1", "source": "https://example.okta.com/api/v1/eventHooks/whoql0HfiLGPWc8Jx0g3", "eventId": "%s", "data": {"events": [{"uuid": "%s", "published": "%s", "eventType": "%s", "version": "0", "displayMessage": "%s", "severity": "INFO", "client": {"zone": "OFF_NETWORK", "device": "Unknown", "userAgent": {"os": "Unknown", "browser": "UNKNOWN", "rawUserAgent": "UNKNOWN-DOWNLOAD"}, "ipAddress": "12.97.85.90"}, "actor": {"id": "00u1qw6mqitPHM8AJ0g7", "type": "User", "alternateId": "admin@example.com", "displayName": "Example Admin"}, "outcome": {"result": "SUCCESS"}, "target": [{"id": "00u%s", "type": "User", "alternateId": "jane.doe@example.com", "displayName": "Jane Doe"}], "transaction": {"type": "WEB", "id": "V04Oy4ubUOc5UuG6s9DyNQAABtc"}}]}, "eventTime": "%s", "contentType": "application/json"}`,
			randid.UUID(), id, stamp, eventType, message, randid.Alnum(17), stamp), http.Header{"Content-Type": {"application/json"}}
	}
}
