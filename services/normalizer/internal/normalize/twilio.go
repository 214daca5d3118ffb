package normalize

import (
	"net/url"
	"strings"
	"unicode/utf8"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
)

// normalizeTwilio reads a Twilio webhook: an application/x-www-form-urlencoded
// body of PascalCase parameters. Required: a body that parses as a form
// with MessageSid (or SmsSid) or CallSid.
//
// The source type is "message." + the lower-cased MessageStatus (status
// callbacks: queued, sent, delivered, undelivered, failed, read ...) or
// SmsStatus ("received" on an incoming message, which carries no
// MessageStatus), or "call." + CallStatus for voice. Twilio sends no event
// time: occurred_at is the receipt time.
func normalizeTwilio(r request, ev *eventv1.NormalizedEvent) error {
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return invalid("twilio", "form-encoded body: %v", err)
	}
	for name, values := range form {
		for _, v := range values {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				// Event fields are protobuf strings: valid UTF-8 only.
				return invalid("twilio", "form parameter %q is not valid UTF-8", name)
			}
		}
	}
	get := form.Get
	ev.TenantId = get("AccountSid")
	setMeta(ev.Metadata, "api_version", get("ApiVersion"))
	setMeta(ev.Metadata, "error_code", get("ErrorCode"))

	if sid := firstNonEmpty(get("MessageSid"), get("SmsSid")); sid != "" {
		status := firstNonEmpty(get("MessageStatus"), get("SmsStatus"))
		if status == "" {
			return invalid("twilio", "message %s has neither MessageStatus nor SmsStatus", sid)
		}
		ev.SourceEventType = "message." + strings.ToLower(status)
		ev.EventType = eventType("twilio", ev.SourceEventType)
		ev.EntityType = "message"
		ev.EntityId = sid
		if ev.SourceEventType == "message.received" {
			// The sender of an incoming message is the user; on status
			// callbacks From is our own number.
			ev.UserId = get("From")
		} else {
			ev.UserId = get("To")
		}
		setMeta(ev.Metadata, "messaging_service_sid", get("MessagingServiceSid"))
		setMeta(ev.Metadata, "num_media", get("NumMedia"))
		setMeta(ev.Metadata, "num_segments", get("NumSegments"))
		return nil
	}
	if sid := get("CallSid"); sid != "" {
		status := get("CallStatus")
		if status == "" {
			return invalid("twilio", "call %s has no CallStatus", sid)
		}
		ev.SourceEventType = "call." + strings.ToLower(status)
		ev.EventType = eventType("twilio", ev.SourceEventType)
		ev.EntityType = "call"
		ev.EntityId = sid
		setMeta(ev.Metadata, "direction", get("Direction"))
		return nil
	}
	return invalid("twilio", "body has neither MessageSid nor CallSid")
}

// firstNonEmpty returns the first of ss that is not empty.
func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
