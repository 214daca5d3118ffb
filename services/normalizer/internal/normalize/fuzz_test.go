package normalize

import (
	"errors"
	"testing"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
	"google.golang.org/protobuf/proto"
)

// fuzzHeaders names, per platform, the two headers a fuzz target varies
// besides the body: the ones that steer the adapter.
var fuzzHeaders = map[string][2]string{
	"stripe":    {"content-type", "stripe-signature"},
	"github":    {"x-github-event", "content-type"},
	"shopify":   {"x-shopify-topic", "x-shopify-triggered-at"},
	"slack":     {"x-slack-retry-num", "content-type"},
	"standard":  {"webhook-timestamp", "webhook-id"},
	"svix":      {"svix-timestamp", "svix-id"},
	"clerk":     {"svix-timestamp", "svix-id"},
	"resend":    {"svix-timestamp", "svix-id"},
	"gitlab":    {"x-gitlab-event", "idempotency-key"},
	"bitbucket": {"x-event-key", "x-request-uuid"},
	"paddle":    {"content-type", "paddle-signature"},
	"linear":    {"linear-delivery", "linear-event"},
	"intercom":  {"content-type", "x-hub-signature"},
	"zendesk":   {"x-zendesk-webhook-id", "x-zendesk-webhook-invocation-id"},
	"hubspot":   {"content-type", "x-hubspot-request-timestamp"},
	"square":    {"content-type", "square-retry-number"},
	"twilio":    {"content-type", "i-twilio-idempotency-token"},
	"twitch":    {"twitch-eventsub-message-type", "twitch-eventsub-message-timestamp"},
	"discord":   {"content-type", "x-signature-timestamp"},
	"sendgrid":  {"content-type", "x-twilio-email-event-webhook-timestamp"},
	"mailgun":   {"content-type", "user-agent"},
	"adyen":     {"content-type", "user-agent"},
	"acme":      {"x-acme-event-id", "content-type"},
}

// fuzzPlatform seeds f with every testdata payload of platform (body and
// its two steering headers) plus degenerate bodies, and checks that
// NormalizeAll never panics, fails only with a classified error, and returns
// only events (the event and every item) that carry the fields every consumer relies on and that
// marshal (valid UTF-8, valid timestamps).
func fuzzPlatform(f *testing.F, platform string) {
	cases := loadCases(f, platform)
	names := fuzzHeaders[platform]
	for _, c := range cases {
		f.Add(c.body, c.headers[names[0]], c.headers[names[1]])
	}
	for _, b := range []string{"", "{}", "null", "[]", `{"type":null}`, `"str"`, "{\"type\":\"a\xff\"}"} {
		f.Add([]byte(b), cases[0].headers[names[0]], cases[0].headers[names[1]])
	}
	base := cases[0].headers
	n := testNormalizer(f)
	f.Fuzz(func(t *testing.T, body []byte, h0, h1 string) {
		headers := make(map[string]string, len(base))
		for k, v := range base {
			headers[k] = v
		}
		// Headers arrive through protobuf, which only carries valid UTF-8:
		// the edge's HeaderMap encodes them.
		headers[names[0]] = eventkey.Encode(h0)
		headers[names[1]] = eventkey.Encode(h1)
		ev, events, err := n.NormalizeAll(platform, headers, body, testReceivedAt)
		if err != nil {
			if !errors.Is(err, apperr.ErrInvalid) {
				t.Fatalf("error not classified as ErrInvalid: %v", err)
			}
			if ev != nil || events != nil {
				t.Fatalf("event returned with error %v", err)
			}
			return
		}
		if len(events) == 0 || (len(events) == 1 && events[0] != ev) {
			t.Fatalf("events %v of event %v", events, ev)
		}
		for _, e := range append([]*eventv1.NormalizedEvent{ev}, events...) {
			if e.GetEventId() == "" || e.GetPlatform() != platform || e.GetSourceEventType() == "" || e.GetReceivedAt() == nil || e.GetOccurredAt() == nil {
				t.Fatalf("incomplete event: %v", e)
			}
			if e.GetSchemaVersion() != SchemaVersion {
				t.Fatalf("schema_version = %d", e.GetSchemaVersion())
			}
			if _, err := proto.Marshal(e); err != nil {
				t.Fatalf("event does not marshal: %v", err)
			}
		}
	})
}

func FuzzNormalizeStripe(f *testing.F)   { fuzzPlatform(f, "stripe") }
func FuzzNormalizeGitHub(f *testing.F)   { fuzzPlatform(f, "github") }
func FuzzNormalizeShopify(f *testing.F)  { fuzzPlatform(f, "shopify") }
func FuzzNormalizeSlack(f *testing.F)    { fuzzPlatform(f, "slack") }
func FuzzNormalizeStandard(f *testing.F) { fuzzPlatform(f, "standard") }

func FuzzNormalizeSvix(f *testing.F)       { fuzzPlatform(f, "svix") }
func FuzzNormalizeClerk(f *testing.F)      { fuzzPlatform(f, "clerk") }
func FuzzNormalizeResend(f *testing.F)     { fuzzPlatform(f, "resend") }
func FuzzNormalizeGitLab(f *testing.F)     { fuzzPlatform(f, "gitlab") }
func FuzzNormalizeBitbucket(f *testing.F)  { fuzzPlatform(f, "bitbucket") }
func FuzzNormalizePaddle(f *testing.F)     { fuzzPlatform(f, "paddle") }
func FuzzNormalizeLinear(f *testing.F)     { fuzzPlatform(f, "linear") }
func FuzzNormalizeIntercom(f *testing.F)   { fuzzPlatform(f, "intercom") }
func FuzzNormalizeZendesk(f *testing.F)    { fuzzPlatform(f, "zendesk") }
func FuzzNormalizeHubSpot(f *testing.F)    { fuzzPlatform(f, "hubspot") }
func FuzzNormalizeSquare(f *testing.F)     { fuzzPlatform(f, "square") }
func FuzzNormalizeTwilio(f *testing.F)     { fuzzPlatform(f, "twilio") }
func FuzzNormalizeTwitch(f *testing.F)     { fuzzPlatform(f, "twitch") }
func FuzzNormalizeDiscord(f *testing.F)    { fuzzPlatform(f, "discord") }
func FuzzNormalizeSendGrid(f *testing.F)   { fuzzPlatform(f, "sendgrid") }
func FuzzNormalizeMailgun(f *testing.F)    { fuzzPlatform(f, "mailgun") }
func FuzzNormalizeAdyen(f *testing.F)      { fuzzPlatform(f, "adyen") }
func FuzzNormalizeConfigured(f *testing.F) { fuzzPlatform(f, "acme") }
