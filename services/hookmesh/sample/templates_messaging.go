package sample

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// Messaging platforms: Twilio, and the email senders
// SendGrid and Mailgun.

// twilioForm is the header of Twilio's form-encoded callbacks.
var twilioForm = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

const twilioAccount = "AC3f2b5c1e9d8a7b6c5d4e3f2a1b0c9d8e"

var twilioTemplates = map[string]template{
	// An incoming SMS, as Twilio posts it to the number's webhook.
	"message.received": func(_ string, _ time.Time) (string, http.Header) {
		sid := "SM" + strings.ReplaceAll(uuid(), "-", "")
		return form("ToCountry", "US", "ToState", "CA", "SmsMessageSid", sid, "NumMedia", "0", "ToCity", "SAN FRANCISCO",
			"FromZip", "94107", "SmsSid", sid, "FromState", "CA", "SmsStatus", "received", "FromCity", "SAN FRANCISCO",
			"Body", "Is my order on its way?", "FromCountry", "US", "To", "+15017122661",
			"MessagingServiceSid", "MG9752274e9e519418a7406176694466fa", "ToZip", "94105", "NumSegments", "1",
			"MessageSid", sid, "AccountSid", twilioAccount, "From", "+15558675310", "ApiVersion", "2010-04-01"), twilioForm.Clone()
	},
	// A status callback of an outgoing message.
	"message.delivered": func(_ string, _ time.Time) (string, http.Header) {
		sid := "SM" + strings.ReplaceAll(uuid(), "-", "")
		return form("SmsSid", sid, "SmsStatus", "delivered", "MessageStatus", "delivered", "To", "+15558675310",
			"MessagingServiceSid", "MG9752274e9e519418a7406176694466fa", "MessageSid", sid, "AccountSid", twilioAccount,
			"From", "+15017122661", "ApiVersion", "2010-04-01"), twilioForm.Clone()
	},
}

var sendgridTemplates = map[string]template{
	"delivered": func(id string, now time.Time) (string, http.Header) {
		return "[" + sendgridDelivered(id, now) + "]", nil
	},
	// SendGrid posts events in batches: the key is then a hash of the ids.
	"batch": func(id string, now time.Time) (string, http.Header) {
		return "[" + sendgridDelivered(id, now) + "," + fmt.Sprintf(`{"email": "alex@example.com", "timestamp": %d, "event": "open", "sg_event_id": "%s", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "useragent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "ip": "203.0.113.9", "sg_machine_open": false}`,
			now.Unix(), newID("sendgrid", now)) + "," + fmt.Sprintf(`{"email": "sam@example.com", "timestamp": %d, "smtp-id": "<14c5d75ce94.dfd.64b470@ismtpd-555>", "event": "bounce", "category": "newsletter", "sg_event_id": "%s", "sg_message_id": "14c5d75ce94.dfd.64b470.filter0001.16648.5515E0B88.0", "reason": "500 unknown recipient", "status": "5.0.0", "type": "bounce", "bounce_classification": "Invalid Address"}`,
			now.Unix(), newID("sendgrid", now)) + "]", nil
	},
}

func sendgridDelivered(id string, now time.Time) string {
	return fmt.Sprintf(`{"email": "alex@example.com", "timestamp": %d, "smtp-id": "<14c5d75ce93.dfd.64b469@ismtpd-555>", "event": "delivered", "category": ["receipts"], "sg_event_id": "%s", "sg_message_id": "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0", "response": "250 OK", "tls": 1, "ip": "168.1.1.1"}`, now.Unix(), id)
}

var mailgunTemplates = map[string]template{
	"delivered": mailgunEvent(`"event": "delivered", "log-level": "info", "delivery-status": {"tls": true, "mx-host": "smtp-in.example.com", "code": 250, "description": "", "message": "OK", "attempt-no": 1, "session-seconds": 0.43}`),
	"failed":    mailgunEvent(`"event": "failed", "log-level": "error", "severity": "permanent", "reason": "bounce", "delivery-status": {"tls": true, "mx-host": "smtp-in.example.com", "code": 550, "description": "", "message": "5.1.1 The email account that you tried to reach does not exist.", "attempt-no": 1, "bounce-type": "hard"}`),
}

// mailgunEvent renders a JSON Mailgun webhook without its signature
// object, which Sign adds (timestamp, fresh token, HMAC).
func mailgunEvent(fields string) template {
	return func(id string, now time.Time) (string, http.Header) {
		ts := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
		return fmt.Sprintf(`{"event-data": {%s, "id": "%s", "timestamp": %s, "envelope": {"transport": "smtp", "sender": "bob@mg.example.com", "sending-ip": "209.61.154.250", "targets": "alice@example.com"}, "message": {"headers": {"to": "Alice <alice@example.com>", "message-id": "%s@mg.example.com", "from": "Bob <bob@mg.example.com>", "subject": "Your receipt"}, "attachments": [], "size": 111}, "recipient": "alice@example.com", "recipient-domain": "example.com", "flags": {"is-routed": false, "is-authenticated": true, "is-system-test": false, "is-test-mode": false}, "tags": ["receipts"], "campaigns": [], "user-variables": {"order": "A-1001"}}}`,
			fields, id, ts, now.UTC().Format("20060102150405")+"."+strings.ToUpper(randid.Hex(16))), nil
	}
}
