// Package clerk is Clerk, which sends its webhooks through Svix: Standard
// Webhooks (package platform/stdwebhooks) under the svix-* header names,
// Clerk's mapping rows (its users) and sample events. Clerk's timestamps
// are unix milliseconds and its events carry instance_id, the tenant.
package clerk

import (
	"embed"
	"fmt"
	"net/http"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
)

//go:embed testdata
var testdata embed.FS

// scheme is Standard Webhooks under the svix-* names.
var scheme = stdwebhooks.Scheme{Name: "clerk", Names: stdwebhooks.SvixNames}

// Platform is Clerk, as the registry lists it.
var Platform = scheme.Platform(mapping, samples, testdata)

// mapping is Clerk's rows: its users. Sessions, organizations and the
// rest stay unmapped.
var mapping = map[string]eventv1.EventType{
	"user.created": eventv1.EventType_EVENT_TYPE_USER_CREATED,
	"user.updated": eventv1.EventType_EVENT_TYPE_USER_UPDATED,
}

// samples are the Clerk events `hookmesh send` builds.
var samples = scheme.Samples("user.created", templates)

var templates = map[string]platform.Template{
	"user.created":    event("user.created", `{"id": "user_%[1]s", "object": "user", "first_name": "Example", "last_name": "Example", "username": null, "image_url": "https://img.clerk.com/xxxxxx", "has_image": false, "created_at": %[2]d, "updated_at": %[2]d, "last_sign_in_at": null, "primary_email_address_id": "idn_29w83yL7CwVlJXylYLxcslromF1", "primary_phone_number_id": null, "email_addresses": [{"id": "idn_29w83yL7CwVlJXylYLxcslromF1", "object": "email_address", "email_address": "example@example.org", "verification": {"status": "verified", "strategy": "ticket"}, "linked_to": []}], "phone_numbers": [], "external_accounts": [], "external_id": "567772", "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {}, "two_factor_enabled": false, "password_enabled": true}`),
	"session.created": event("session.created", `{"id": "sess_%[1]s", "object": "session", "status": "active", "user_id": "user_29w83sxmDNGwOuEthce5gg56FcC", "client_id": "client_2dJ1Kw9ZqLt6uPn4bV8cX1mR3yE", "last_active_at": %[2]d, "expire_at": %[2]d, "abandon_at": %[2]d, "created_at": %[2]d, "updated_at": %[2]d}`),
}

// event renders a Clerk event: timestamps are unix milliseconds; in data,
// %[1]s is a fresh object id and %[2]d now.
func event(typ, data string) platform.Template {
	return func(_ string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"data": %s, "event_attributes": {"http_request": {"client_ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"}}, "instance_id": "ins_2c4mXb6qgUF5mrkR2J6H1Zxg2Wl", "object": "event", "timestamp": %d, "type": "%s"}`,
			fmt.Sprintf(data, randid.Alnum(27), now.UnixMilli()), now.UnixMilli(), typ), nil
	}
}
