package workos

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the WorkOS webhooks `hookmesh send` builds, modelled on the
// events of WorkOS's docs and SDK fixtures. The fresh id is the event's
// ("event_" and a ULID).
var samples = platform.Samples{
	Default:   "user.created",
	NewID:     func(time.Time) string { return "event_01" + randid.Base32(24) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"user.created":         user("user.created"),
	"user.updated":         user("user.updated"),
	"dsync.user.created":   directoryUser,
	"organization.created": organization,
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func user(event string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		return fmt.Sprintf(`{"id": "%s", "event": "%s", "data": {"object": "user", "id": "user_01%s", "email": "marcelina.davis@example.com", "first_name": "Marcelina", "last_name": "Davis", "email_verified": true, "profile_picture_url": null, "last_sign_in_at": null, "external_id": null, "metadata": {}, "created_at": "%s", "updated_at": "%s"}, "created_at": "%s"}`,
			id, event, id[8:32], stamp(now), stamp(now), stamp(now)), jsonHeader()
	}
}

func directoryUser(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"id": "%s", "event": "dsync.user.created", "data": {"object": "directory_user", "id": "directory_user_01%s", "directory_id": "directory_01F9M7F68PZP8QXP8G7X5QRHS7", "organization_id": "org_01EZTR6WYX1A0DSE2CYMGXQ24Y", "idp_id": "00u1e8mutl6wlH3lL4x7", "first_name": "Blair", "last_name": "Lunceford", "email": "blair@foo-corp.com", "emails": [{"type": "work", "value": "blair@foo-corp.com", "primary": true}], "state": "active", "custom_attributes": {"department": "Customer Success"}, "raw_attributes": {}, "created_at": "%s", "updated_at": "%s"}, "created_at": "%s"}`,
		id, id[8:32], stamp(now), stamp(now), stamp(now)), jsonHeader()
}

func organization(id string, now time.Time) (string, http.Header) {
	return fmt.Sprintf(`{"id": "%s", "event": "organization.created", "data": {"object": "organization", "id": "org_01%s", "name": "Foo Corp", "allow_profiles_outside_organization": false, "domains": [{"object": "organization_domain", "id": "org_domain_01EHZNVPK2QXHMVWCEDQEKY69A", "domain": "foo-corp.com", "state": "verified"}], "created_at": "%s", "updated_at": "%s"}, "created_at": "%s"}`,
		id, id[8:32], stamp(now), stamp(now), stamp(now)), jsonHeader()
}

// jsonHeader is a fresh header map per sample: callers add to it.
func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }
