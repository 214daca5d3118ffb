package intercom

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Intercom notifications `hookmesh send` builds.
var samples = platform.Samples{
	Default:   "contact.user.created",
	NewID:     func(time.Time) string { return "notif_" + randid.UUID() },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"contact.user.created":      eventTemplate("contact.user.created", `{"type": "contact", "id": "%[1]s", "workspace_id": "ecahpwf5", "external_id": "user-7781", "role": "user", "email": "grace@example.com", "phone": null, "name": "Grace Hopper", "created_at": %[2]d, "updated_at": %[2]d, "signed_up_at": %[2]d, "last_seen_at": null, "owner_id": null, "unsubscribed_from_emails": false, "location": {"type": "location", "country": "United States", "region": "New York", "city": "New York"}, "custom_attributes": {"plan": "pro"}}`),
	"conversation.user.replied": eventTemplate("conversation.user.replied", `{"type": "conversation", "id": "4187%[2]d", "created_at": %[2]d, "updated_at": %[2]d, "title": null, "state": "open", "read": false, "source": {"type": "conversation", "id": "1894", "delivered_as": "customer_initiated", "subject": "", "body": "<p>Where is my order?</p>", "author": {"type": "user", "id": "%[1]s", "name": "Grace Hopper", "email": "grace@example.com"}}, "contacts": {"type": "contact.list", "contacts": [{"type": "contact", "id": "%[1]s", "external_id": "user-7781"}]}, "conversation_parts": {"type": "conversation_part.list", "conversation_parts": [{"type": "conversation_part", "id": "%[2]d1", "part_type": "comment", "body": "<p>Any update?</p>", "created_at": %[2]d, "author": {"type": "user", "id": "%[1]s"}}], "total_count": 1}}`),
}

// eventTemplate renders a notification_event; in item, %[1]s is a contact
// id and %[2]d now (unix seconds).
func eventTemplate(topic, item string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		contact := strings.ToLower(randid.Hex(24))
		return fmt.Sprintf(`{"type": "notification_event", "app_id": "ecahpwf5", "data": {"type": "notification_event_data", "item": %s}, "links": {}, "id": "%s", "topic": "%s", "delivery_status": "pending", "delivery_attempts": 1, "delivered_at": 0, "first_sent_at": %d, "created_at": %d, "self": null}`,
			fmt.Sprintf(item, contact, now.Unix()), id, topic, now.Unix(), now.Unix()), nil
	}
}
