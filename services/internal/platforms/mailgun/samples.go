package mailgun

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// samples are the Mailgun webhooks `hookmesh send` builds, unsigned: Sign
// adds the signature object.
var samples = platform.Samples{
	Default:   "delivered",
	NewID:     func(time.Time) string { return randid.Alnum(22) },
	Templates: templates,
}

var templates = map[string]platform.Template{
	"delivered": event(`"event": "delivered", "log-level": "info", "delivery-status": {"tls": true, "mx-host": "smtp-in.example.com", "code": 250, "description": "", "message": "OK", "attempt-no": 1, "session-seconds": 0.43}`),
	"failed":    event(`"event": "failed", "log-level": "error", "severity": "permanent", "reason": "bounce", "delivery-status": {"tls": true, "mx-host": "smtp-in.example.com", "code": 550, "description": "", "message": "5.1.1 The email account that you tried to reach does not exist.", "attempt-no": 1, "bounce-type": "hard"}`),
}

// event renders a JSON Mailgun webhook without its signature object,
// which Sign adds (timestamp, fresh token, HMAC).
func event(fields string) platform.Template {
	return func(id string, now time.Time) (string, http.Header) {
		ts := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
		return fmt.Sprintf(`{"event-data": {%s, "id": "%s", "timestamp": %s, "envelope": {"transport": "smtp", "sender": "bob@mg.example.com", "sending-ip": "209.61.154.250", "targets": "alice@example.com"}, "message": {"headers": {"to": "Alice <alice@example.com>", "message-id": "%s@mg.example.com", "from": "Bob <bob@mg.example.com>", "subject": "Your receipt"}, "attachments": [], "size": 111}, "recipient": "alice@example.com", "recipient-domain": "example.com", "flags": {"is-routed": false, "is-authenticated": true, "is-system-test": false, "is-test-mode": false}, "tags": ["receipts"], "campaigns": [], "user-variables": {"order": "A-1001"}}}`,
			fields, id, ts, now.UTC().Format("20060102150405")+"."+strings.ToUpper(randid.Hex(16))), nil
	}
}
