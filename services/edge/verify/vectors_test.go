package verify

import (
	"net/url"
	"strings"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platforms/bitbucket"
	"github.com/hookmesh/hookmesh/services/internal/platforms/intercom"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
)

// Published test vectors, and the cases particular to one scheme. Each
// vector names the document or official SDK test it comes from.

// Twilio's vector from "Webhooks security" (twilio.com/docs/usage/security)
// and the RequestValidator tests of twilio-php / twilio-csharp: auth token
// 12345, this URL and these parameters.
var (
	twilioVectorURL    = "https://mycompany.com/myapp.php?foo=1&bar=2"
	twilioVectorParams = url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675309"}, "Digits": {"1234"},
		"From": {"+14158675309"}, "To": {"+18005551212"},
	}
)

func TestZendeskTimestamps(t *testing.T) {
	t.Parallel()
	zd := zendesk.NewVerifier([]string{"s"}, 0)
	zs, zt := zendesk.Signature("s", testNow, testBody)
	if zt != "2023-11-14T22:13:20Z" {
		t.Errorf("zendesk timestamp %q", zt)
	}
	runCases(t, zd, []verifyCase{
		{name: "zendesk valid", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", zt)},
		{name: "zendesk offset form of the same instant is other text", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", "2023-11-14T23:13:20+01:00"), want: "no signature match"},
		{name: "zendesk missing timestamp", header: h("X-Zendesk-Webhook-Signature", zs), want: "missing X-Zendesk-Webhook-Signature-Timestamp header"},
		{name: "zendesk unix timestamp", header: h("X-Zendesk-Webhook-Signature", zs, "X-Zendesk-Webhook-Signature-Timestamp", "1700000000"), want: sig.ReasonBadTimestamp},
		{name: "zendesk hex signature", header: h("X-Zendesk-Webhook-Signature", strings.Repeat("ab", 32), "X-Zendesk-Webhook-Signature-Timestamp", zt), want: sig.ReasonMalformed},
	})
}

func TestIntercomAndBitbucketShareAHeaderNotAScheme(t *testing.T) {
	t.Parallel()
	// Both use X-Hub-Signature: a Bitbucket sha256 value must not pass as
	// Intercom's sha1, nor the reverse.
	ic, bb := intercom.NewVerifier([]string{"s"}), bitbucket.NewVerifier([]string{"s"})
	checkErr(t, ic.Verify(Request{Header: h("X-Hub-Signature", bitbucket.Signature("s", testBody)), Body: testBody}), sig.ReasonMalformed)
	checkErr(t, bb.Verify(Request{Header: h("X-Hub-Signature", intercom.Signature("s", testBody)), Body: testBody}), sig.ReasonMalformed)
}
