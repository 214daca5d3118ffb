package twilio

import (
	"net/http"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform"
	"github.com/hookmesh/hookmesh/services/internal/platform/randid"
)

// sampleAccount is the fixed identity of the sending account: a retry or
// a second event of one account carries the same scope, as in production.
const sampleAccount = "AC3f2b5c1e9d8a7b6c5d4e3f2a1b0c9d8e"

// formHeader is the header of Twilio's form-encoded callbacks.
var formHeader = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

// samples are the Twilio callbacks `hookmesh send` builds; the fresh id
// is the idempotency token.
var samples = platform.Samples{
	Default:   "message.received",
	NewID:     func(time.Time) string { return randid.UUID() },
	Templates: templates,
	IDHeaders: func(id string) http.Header { return http.Header{idempotency: {id}} },
}

var templates = map[string]platform.Template{
	// An incoming SMS, as Twilio posts it to the number's webhook.
	"message.received": func(_ string, _ time.Time) (string, http.Header) {
		sid := "SM" + strings.ReplaceAll(randid.UUID(), "-", "")
		return platform.Form("ToCountry", "US", "ToState", "CA", "SmsMessageSid", sid, "NumMedia", "0", "ToCity", "SAN FRANCISCO",
			"FromZip", "94107", "SmsSid", sid, "FromState", "CA", "SmsStatus", "received", "FromCity", "SAN FRANCISCO",
			"Body", "Is my order on its way?", "FromCountry", "US", "To", "+15017122661",
			"MessagingServiceSid", "MG9752274e9e519418a7406176694466fa", "ToZip", "94105", "NumSegments", "1",
			"MessageSid", sid, "AccountSid", sampleAccount, "From", "+15558675310", "ApiVersion", "2010-04-01"), formHeader.Clone()
	},
	// A status callback of an outgoing message.
	"message.delivered": func(_ string, _ time.Time) (string, http.Header) {
		sid := "SM" + strings.ReplaceAll(randid.UUID(), "-", "")
		return platform.Form("SmsSid", sid, "SmsStatus", "delivered", "MessageStatus", "delivered", "To", "+15558675310",
			"MessagingServiceSid", "MG9752274e9e519418a7406176694466fa", "MessageSid", sid, "AccountSid", sampleAccount,
			"From", "+15017122661", "ApiVersion", "2010-04-01"), formHeader.Clone()
	},
}
