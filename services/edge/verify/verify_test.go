package verify

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/platform/platformtest"
	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
	registry "github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/internal/platforms/github"
	"github.com/hookmesh/hookmesh/services/internal/platforms/shopify"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
	"github.com/hookmesh/hookmesh/services/internal/platforms/standard"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
)

// The shared per-platform test table lives in platformtest; these are its
// former names in this package.
var (
	testNow      = platformtest.Now
	testBody     = platformtest.Body
	tamperedBody = platformtest.TamperedBody
	checkErr     = platformtest.CheckErr
	h            = platformtest.H
)

// verifyCase is one row of a per-platform table: a request and the Reason
// it must fail with ("" means it must be accepted).
type verifyCase struct {
	name   string
	header http.Header
	body   []byte    // nil: testBody
	now    time.Time // zero: testNow
	want   string
}

func runCases(t *testing.T, v Verifier, cases []verifyCase) {
	t.Helper()
	rows := make([]platformtest.Case, len(cases))
	for i, c := range cases {
		rows[i] = platformtest.Case{Name: c.name, Header: c.header, Body: c.body, Now: c.now, Want: c.want}
	}
	platformtest.RunCases(t, v, rows)
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	err := error(&Error{Platform: "stripe", Reason: "no v1 match"})
	if got := err.Error(); got != "stripe: no v1 match" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, apperr.ErrUnauthenticated) || apperr.Code(err).String() != "Unauthenticated" {
		t.Errorf("%v is not unauthenticated (code %v)", err, apperr.Code(err))
	}
}

func TestHeaderLookup(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"canonical", http.Header{"Webhook-Id": {"a"}}, "a"},
		{"lower case key", http.Header{"webhook-id": {"b"}}, "b"},
		{"odd case key", http.Header{"WEBHOOK-ID": {"c"}}, "c"},
		{"first value wins", http.Header{"Webhook-Id": {"d", "e"}}, "d"},
		{"empty value is absent", http.Header{"Webhook-Id": {""}}, ""},
		{"nil header", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (Request{Header: tc.header}).HeaderValue("webhook-id"); got != tc.want {
				t.Errorf("header = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseUnix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1700000000", 1700000000, true},
		{"0", 0, true},
		{"0001700000000", 1700000000, true},
		{"", 0, false},
		{"+1700000000", 0, false},
		{"-1", 0, false},
		{" 1700000000", 0, false},
		{"1700000000.5", 0, false},
		{"1e9", 0, false},
		{"１７", 0, false}, // full-width digits
		{"123456789012345678", 123456789012345678, true},
		{"1234567890123456789", 0, false}, // over sig.MaxTimestampDigits
	}
	for _, tc := range tests {
		got, ok := sig.ParseUnix(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("sig.ParseUnix(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckWindowHugeTimestamp(t *testing.T) {
	t.Parallel()
	// The largest timestamp parseUnix admits must not overflow into the
	// window: time.Sub saturates.
	ts, _ := sig.ParseUnix("999999999999999999")
	checkErr(t, sig.CheckWindow("x", ts, testNow, time.Hour), sig.ReasonFuture)
	checkErr(t, sig.CheckWindow("x", 0, testNow, time.Hour), sig.ReasonTooOld)
}

func TestPlatforms(t *testing.T) {
	t.Parallel()
	// The names are part of the contract: URL paths, secret variables and
	// the normalizer's adapters use them.
	want := []string{
		"adyen", "bitbucket", "clerk", "discord", "github", "gitlab", "hubspot", "intercom", "linear",
		"mailgun", "paddle", "resend", "sendgrid", "shopify", "slack", "square", "standard", "stripe",
		"svix", "twilio", "twitch", "zendesk",
	}
	// Platforms added as packages join through the registry alone.
	for _, n := range registry.Names() {
		if !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	slices.Sort(want)
	got := Platforms()
	if !slices.Equal(got, want) {
		t.Fatalf("Platforms() = %v, want %v", got, want)
	}
	got[0] = "mutated"
	if Platforms()[0] != "adyen" {
		t.Error("Platforms() shares its slice with the caller")
	}
}

// roundTripSecret is valid for every platform, Standard Webhooks included.
const roundTripSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		platform string
		secrets  []string
		tol      time.Duration
		want     error // nil: a Verifier
	}{
		{"stripe", "stripe", []string{"whsec_a"}, 0, nil},
		{"github", "github", []string{"s"}, 0, nil},
		{"shopify", "shopify", []string{"s"}, 0, nil},
		{"slack", "slack", []string{"s"}, time.Minute, nil},
		{"standard", "standard", []string{roundTripSecret}, 0, nil},
		{"standard bare base64", "standard", []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, 0, nil},
		{"unknown platform", "nope", []string{"s"}, 0, apperr.ErrNotFound},
		{"platform names are exact", "Stripe", []string{"s"}, 0, apperr.ErrNotFound},
		{"nil secrets", "github", nil, 0, apperr.ErrInvalid},
		{"only empty secrets", "stripe", []string{"", ""}, 0, apperr.ErrInvalid},
		{"negative tolerance", "slack", []string{"s"}, -time.Second, apperr.ErrInvalid},
		{"standard bad secret", "standard", []string{roundTripSecret, "whsec_not base64!"}, 0, apperr.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := New(tc.platform, tc.secrets, tc.tol)
			if tc.want == nil {
				if err != nil || v == nil {
					t.Fatalf("New = %v, %v; want a Verifier", v, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("New = %v, %v; want error wrapping %v", v, err, tc.want)
			}
		})
	}
}

// TestNewTolerance checks that New passes the tolerance through, and that 0
// means the platform default, for each platform that signs a timestamp.
func TestNewTolerance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform string
		tol      time.Duration
		edge     time.Duration // the effective window
	}{
		{"stripe", 0, stripe.DefaultTolerance},
		{"stripe", 10 * time.Second, 10 * time.Second},
		{"slack", 0, slack.DefaultTolerance},
		{"slack", time.Minute, time.Minute},
		{"standard", 0, stdwebhooks.DefaultTolerance},
		{"standard", 2 * time.Hour, 2 * time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.platform+"/"+tc.tol.String(), func(t *testing.T) {
			t.Parallel()
			v, err := New(tc.platform, []string{roundTripSecret}, tc.tol)
			if err != nil {
				t.Fatal(err)
			}
			hd, err := Sign(tc.platform, roundTripSecret, testNow, "msg_1", testBody)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				now  time.Time
				want string
			}{
				{testNow.Add(tc.edge), ""},
				{testNow.Add(-tc.edge), ""},
				{testNow.Add(tc.edge + time.Second), sig.ReasonTooOld},
				{testNow.Add(-tc.edge - time.Second), sig.ReasonFuture},
			} {
				checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: c.now}), c.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	// The SDKs' values; changing them changes what the edge accepts.
	if stripe.DefaultTolerance != 300*time.Second || slack.DefaultTolerance != 300*time.Second ||
		stdwebhooks.DefaultTolerance != 300*time.Second {
		t.Errorf("defaults = %v %v %v", stripe.DefaultTolerance, slack.DefaultTolerance, stdwebhooks.DefaultTolerance)
	}
}

func TestSignHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		platform string
		want     []string // header names Sign must set
	}{
		{"stripe", []string{"Stripe-Signature"}},
		{"github", []string{"X-Hub-Signature-256", "X-GitHub-Delivery"}},
		{"shopify", []string{"X-Shopify-Hmac-Sha256", "X-Shopify-Event-Id"}},
		{"slack", []string{"X-Slack-Signature", "X-Slack-Request-Timestamp"}},
		{"standard", []string{"webhook-id", "webhook-timestamp", "webhook-signature"}},
		{"svix", []string{"svix-id", "svix-timestamp", "svix-signature"}},
		{"clerk", []string{"svix-id", "svix-timestamp", "svix-signature"}},
		{"resend", []string{"svix-id", "svix-timestamp", "svix-signature"}},
		{"gitlab", []string{"X-Gitlab-Token", "X-Gitlab-Event-UUID"}},
		{"bitbucket", []string{"X-Hub-Signature", "X-Request-UUID"}},
		{"paddle", []string{"Paddle-Signature"}},
		{"linear", []string{"Linear-Signature", "Linear-Delivery"}},
		{"intercom", []string{"X-Hub-Signature"}},
		{"zendesk", []string{"X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp", "X-Zendesk-Webhook-Invocation-Id"}},
		{"hubspot", []string{"X-HubSpot-Signature-v3", "X-HubSpot-Request-Timestamp"}},
		{"square", []string{"X-Square-Hmacsha256-Signature"}},
		{"twilio", []string{"X-Twilio-Signature", "I-Twilio-Idempotency-Token"}},
		{"twitch", []string{"Twitch-Eventsub-Message-Id", "Twitch-Eventsub-Message-Timestamp", "Twitch-Eventsub-Message-Signature", "Twitch-Eventsub-Message-Type"}},
		{"discord", []string{"X-Signature-Ed25519", "X-Signature-Timestamp"}},
		{"sendgrid", []string{"X-Twilio-Email-Event-Webhook-Signature", "X-Twilio-Email-Event-Webhook-Timestamp"}},
	}
	for _, tc := range tests {
		t.Run(tc.platform, func(t *testing.T) {
			t.Parallel()
			hd, err := Sign(tc.platform, signingSecret(t, tc.platform), testNow, "msg_1", testBody)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range tc.want {
				if hd.Get(name) == "" {
					t.Errorf("header %s not set; got %v", name, hd)
				}
			}
			if len(hd) != len(tc.want) {
				t.Errorf("Sign set %d headers, want exactly %v: %v", len(hd), tc.want, hd)
			}
		})
	}
	if hd, _ := Sign("standard", roundTripSecret, testNow, "msg_1", testBody); hd.Get("webhook-id") != "msg_1" ||
		hd.Get("webhook-timestamp") != "1700000000" {
		t.Errorf("standard headers = %v", hd)
	}
	if hd, _ := Sign("github", "s", testNow, "", testBody); hd.Get("X-GitHub-Delivery") != "" {
		t.Errorf("empty id still sent: %v", hd)
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, platform, secret, id string
		want                       error
	}{
		{"unknown platform", "nope", "s", "id", apperr.ErrNotFound},
		{"adyen signs in the body", "adyen", "0011", "id", apperr.ErrInvalid},
		{"mailgun signs in the body", "mailgun", "s", "id", apperr.ErrInvalid},
		{"twitch without id", "twitch", "s", "", apperr.ErrInvalid},
		{"svix without id", "svix", roundTripSecret, "", apperr.ErrInvalid},
		{"discord secret is not a private key", "discord", "s", "id", apperr.ErrInvalid},
		{"sendgrid secret is not a private key", "sendgrid", "s", "id", apperr.ErrInvalid},
		{"empty secret", "github", "", "id", apperr.ErrInvalid},
		{"standard without id", "standard", roundTripSecret, "", apperr.ErrInvalid},
		{"standard bad secret", "standard", "whsec_%%%", "id", apperr.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if hd, err := Sign(tc.platform, tc.secret, testNow, tc.id, testBody); !errors.Is(err, tc.want) || hd != nil {
				t.Errorf("Sign = %v, %v; want error wrapping %v", hd, err, tc.want)
			}
		})
	}
}

// TestEmptySecretsRejectEverything: a verifier built without usable secrets
// (directly, bypassing New's check) must fail closed, never accept a
// signature made with an empty key.
func TestEmptySecretsRejectEverything(t *testing.T) {
	t.Parallel()
	std, err := standard.Platform.NewVerifier([]string{""}, 0)
	if err != nil {
		t.Fatal(err)
	}
	emptyKeyStripe := stripe.Signature("", testNow, testBody)
	emptyKeyGitHub := github.Signature("", testBody)
	slackSig, slackTS := slack.Signature("", testNow, testBody)
	tests := []struct {
		name string
		v    Verifier
		hd   http.Header
	}{
		{"stripe", stripe.NewVerifier([]string{""}, 0), h("Stripe-Signature", emptyKeyStripe)},
		{"github", github.NewVerifier(nil), h("X-Hub-Signature-256", emptyKeyGitHub)},
		{"shopify", shopify.NewVerifier([]string{""}), h("X-Shopify-Hmac-Sha256", shopify.Signature("", testBody))},
		{"slack", slack.NewVerifier(nil, 0), h("X-Slack-Signature", slackSig, "X-Slack-Request-Timestamp", slackTS)},
		{"standard", std, h("webhook-id", "m", "webhook-timestamp", "1700000000", "webhook-signature", "v1,AAAA")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkErr(t, tc.v.Verify(Request{Header: tc.hd, Body: testBody, Now: testNow}), sig.ReasonNoSecrets)
		})
	}
}

// TestSecretsCopied: the caller may reuse its slice after building.
func TestSecretsCopied(t *testing.T) {
	t.Parallel()
	secrets := []string{"s1"}
	v := github.NewVerifier(secrets)
	secrets[0] = "changed"
	checkErr(t, v.Verify(Request{Header: h("X-Hub-Signature-256", github.Signature("s1", testBody)), Body: testBody}), "")
}

func TestZeroNowMeansNow(t *testing.T) {
	t.Parallel()
	v := stripe.NewVerifier([]string{"whsec_a"}, 0)
	fresh := h("Stripe-Signature", stripe.Signature("whsec_a", time.Now(), testBody))
	checkErr(t, v.Verify(Request{Header: fresh, Body: testBody}), "")
	stale := h("Stripe-Signature", stripe.Signature("whsec_a", time.Now().Add(-time.Hour), testBody))
	checkErr(t, v.Verify(Request{Header: stale, Body: testBody}), sig.ReasonTooOld)
}
