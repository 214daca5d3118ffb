package sendgrid

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the SendGrid batches `hookmesh send` builds. A batch of
// several events is keyed by the hash of their ids, not the fresh id.
var samples = platform.Samples{
	Default:        "delivered",
	NewID:          newID,
	Templates:      templates,
	KeyedByContent: true,
}

// newID is 22 characters of base64url, like sg_event_id.
func newID(time.Time) string { return base64.RawURLEncoding.EncodeToString(randid.Bytes(16)) }

var templates = map[string]platform.Template{
	"delivered": func(id string, now time.Time) (string, http.Header) {
		return "[" + delivered(id, now) + "]", nil
	},
	// SendGrid posts events in batches: the key is then a hash of the ids.
	"batch": func(id string, now time.Time) (string, http.Header) {
		return "[" + delivered(id, now) + "," + fmt.Sprintf(`{"email": "alex@example.com", "timestamp": %d, "event": "open", "sg_event_id": "%s", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "useragent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "ip": "203.0.113.9", "sg_machine_open": false}`,
			now.Unix(), newID(now)) + "," + fmt.Sprintf(`{"email": "sam@example.com", "timestamp": %d, "smtp-id": "<14c5d75ce94.dfd.64b470@ismtpd-555>", "event": "bounce", "category": "newsletter", "sg_event_id": "%s", "sg_message_id": "14c5d75ce94.dfd.64b470.filter0001.16648.5515E0B88.0", "reason": "500 unknown recipient", "status": "5.0.0", "type": "bounce", "bounce_classification": "Invalid Address"}`,
			now.Unix(), newID(now)) + "]", nil
	},
}

func delivered(id string, now time.Time) string {
	return fmt.Sprintf(`{"email": "alex@example.com", "timestamp": %d, "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "delivered", "category": ["receipts"], "sg_event_id": "%s", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "response": "250 OK", "tls": 1, "ip": "168.1.1.1"}`, now.Unix(), id)
}
