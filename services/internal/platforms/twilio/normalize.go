package twilio

import (
	"net/url"
	"strings"
	"unicode/utf8"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/platform/eventid"
	"github.com/hookmesh/hookmesh/services/internal/platform/norm"
)

// normalize reads a Twilio webhook: an application/x-www-form-urlencoded
// body of PascalCase parameters. Required: a body that parses as a form
// with MessageSid (or SmsSid) or CallSid.
//
// The source type is "message." + the lower-cased MessageStatus (status
// callbacks: queued, sent, delivered, undelivered, failed, read ...) or
// SmsStatus ("received" on an incoming message, which carries no
// MessageStatus), or "call." + CallStatus for voice. Twilio sends no event
// time: occurred_at is the receipt time.
func normalize(r norm.Request, ev *eventv1.NormalizedEvent) error {
	form, err := url.ParseQuery(string(r.Body))
	if err != nil {
		return norm.Invalid("twilio", "form-encoded body: %v", err)
	}
	for name, values := range form {
		for _, v := range values {
			if !utf8.ValidString(name) || !utf8.ValidString(v) {
				// Event fields are protobuf strings: valid UTF-8 only.
				return norm.Invalid("twilio", "form parameter %q is not valid UTF-8", name)
			}
		}
	}
	get := form.Get
	ev.TenantId = get("AccountSid")
	norm.SetMeta(ev.Metadata, "api_version", get("ApiVersion"))
	norm.SetMeta(ev.Metadata, "error_code", get("ErrorCode"))

	if sid := eventid.First(get("MessageSid"), get("SmsSid")); sid != "" {
		status := eventid.First(get("MessageStatus"), get("SmsStatus"))
		if status == "" {
			return norm.Invalid("twilio", "message %s has neither MessageStatus nor SmsStatus", sid)
		}
		ev.SourceEventType = "message." + strings.ToLower(status)
		ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
		ev.EntityType = "message"
		ev.EntityId = sid
		if ev.SourceEventType == "message.received" {
			// The sender of an incoming message is the user; on status
			// callbacks From is our own number.
			ev.UserId = get("From")
		} else {
			ev.UserId = get("To")
		}
		norm.SetMeta(ev.Metadata, "messaging_service_sid", get("MessagingServiceSid"))
		norm.SetMeta(ev.Metadata, "num_media", get("NumMedia"))
		norm.SetMeta(ev.Metadata, "num_segments", get("NumSegments"))
		return nil
	}
	if sid := get("CallSid"); sid != "" {
		status := get("CallStatus")
		if status == "" {
			return norm.Invalid("twilio", "call %s has no CallStatus", sid)
		}
		ev.SourceEventType = "call." + strings.ToLower(status)
		ev.EventType = norm.Mapped(mapping, ev.SourceEventType)
		ev.EntityType = "call"
		ev.EntityId = sid
		norm.SetMeta(ev.Metadata, "direction", get("Direction"))
		return nil
	}
	return norm.Invalid("twilio", "body has neither MessageSid nor CallSid")
}
