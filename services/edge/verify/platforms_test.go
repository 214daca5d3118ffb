package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/internal/platform/sig"
	"github.com/hookmesh/hookmesh/services/internal/platform/stdwebhooks"
	registry "github.com/hookmesh/hookmesh/services/internal/platforms"
	"github.com/hookmesh/hookmesh/services/internal/platforms/calendly"
	"github.com/hookmesh/hookmesh/services/internal/platforms/discord"
	"github.com/hookmesh/hookmesh/services/internal/platforms/hubspot"
	"github.com/hookmesh/hookmesh/services/internal/platforms/linear"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mailgun"
	"github.com/hookmesh/hookmesh/services/internal/platforms/mux"
	"github.com/hookmesh/hookmesh/services/internal/platforms/paddle"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sanity"
	"github.com/hookmesh/hookmesh/services/internal/platforms/sendgrid"
	"github.com/hookmesh/hookmesh/services/internal/platforms/slack"
	"github.com/hookmesh/hookmesh/services/internal/platforms/stripe"
	"github.com/hookmesh/hookmesh/services/internal/platforms/twitch"
	"github.com/hookmesh/hookmesh/services/internal/platforms/workos"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zendesk"
	"github.com/hookmesh/hookmesh/services/internal/platforms/zoom"
)

// This file is the conformance suite every preset passes: a signed request
// round-trips (with the signing secret second in the list: rotation), a
// tampered body, another secret, a missing and a malformed signature fail,
// and a timestamp just outside the window fails in both directions while
// one at its edge passes. Platform files hold the published vectors and
// the cases particular to one scheme.

// testURL is the external URL of the URL-signing cases.
const testURL = "https://hooks.example.com/webhooks/x?src=test"

// otherHMAC is a second shared secret, valid for every HMAC preset
// (Standard Webhooks base64, Adyen hex).
const otherHMAC = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

// fixture describes one platform for the suite.
type fixture struct {
	platform string
	// sign and verify are the signing secret and what the verifier is
	// configured with (equal for HMAC; private and public key otherwise);
	// otherSign and otherVerify another such pair.
	sign, verify, otherSign, otherVerify string
	body                                 []byte
	header                               http.Header // extra request headers (content type)
	// sigHeaders are the headers carrying the signature: removed for the
	// "missing" case, the first one garbled for the "malformed" case.
	// Empty for platforms that sign inside the body.
	sigHeaders []string
	// window is the default replay window; 0 when no timestamp is signed.
	window time.Duration
	// tamperUndetected marks the schemes whose signature does not cover
	// the payload (GitLab's token, Mailgun's timestamp+token): a tampered
	// body is accepted there, by design of the platform.
	tamperUndetected bool
}

// linearBody carries webhookTimestamp = testNow in milliseconds.
var linearBody = []byte(`{"action":"create","type":"Issue","data":{"id":"evt_1"},"webhookTimestamp":1700000000000}`)

var adyenBody = []byte(`{"live":"false","notificationItems":[` +
	`{"NotificationRequestItem":{"pspReference":"evt_1","merchantAccountCode":"TestMerchant","merchantReference":"order-1","amount":{"value":1130,"currency":"EUR"},"eventCode":"AUTHORISATION","success":"true"}},` +
	`{"NotificationRequestItem":{"pspReference":"evt_2","originalReference":"evt_0","merchantAccountCode":"TestMerchant","merchantReference":"order-2","amount":{"value":0,"currency":"EUR"},"eventCode":"REFUND","success":"false"}}]}`)

var mailgunBody = []byte(`{"event-data":{"id":"evt_1","event":"delivered"}}`)

var twilioBody = []byte("AccountSid=AC1&Body=evt_1&From=%2B15550001&MessageSid=SM1")

// mustDev returns a preset's development key pair.
func mustDev(t testing.TB, platform string) (string, string) {
	t.Helper()
	pub, priv, err := DevKeyPair(platform)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// otherEd25519 and otherP256 are second key pairs, not the dev ones.
func otherEd25519() (pub, priv string) {
	seed := sha256.Sum256([]byte("another discord application"))
	k := ed25519.NewKeyFromSeed(seed[:])
	return hex.EncodeToString(k.Public().(ed25519.PublicKey)), hex.EncodeToString(seed[:])
}

func otherP256(t testing.TB) (pub, priv string) {
	t.Helper()
	seed := sha256.Sum256([]byte("another sendgrid account"))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
	if err != nil {
		t.Fatal(err)
	}
	p, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	s, _ := x509.MarshalECPrivateKey(k) // SEC 1, the other accepted form
	return base64.StdEncoding.EncodeToString(p), base64.StdEncoding.EncodeToString(s)
}

// signingSecret is the secret Sign takes for platform in these tests.
func signingSecret(t testing.TB, platform string) string {
	t.Helper()
	if Asymmetric(platform) {
		_, priv := mustDev(t, platform)
		return priv
	}
	return fixtureSecret(platform)
}

// fixtureSecret is the shared secret of an HMAC preset in these tests.
func fixtureSecret(platform string) string {
	switch platform {
	case "adyen":
		return "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
	default:
		return roundTripSecret // valid Standard Webhooks base64 too
	}
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	hm := func(p string, window time.Duration, sigHeaders ...string) fixture {
		return fixture{
			platform: p, sign: fixtureSecret(p), verify: fixtureSecret(p), otherSign: otherHMAC, otherVerify: otherHMAC,
			body: testBody, sigHeaders: sigHeaders, window: window,
		}
	}
	dPub, dPriv := mustDev(t, "discord")
	oPub, oPriv := otherEd25519()
	sPub, sPriv := mustDev(t, "sendgrid")
	osPub, osPriv := otherP256(t)

	gitlab := hm("gitlab", 0, "X-Gitlab-Token")
	gitlab.tamperUndetected = true
	okta := hm("okta", 0, "Authorization")
	okta.tamperUndetected = true
	linear := hm("linear", linear.DefaultTolerance, "Linear-Signature")
	linear.body = linearBody
	adyen := hm("adyen", 0)
	adyen.body = adyenBody
	mailgun := hm("mailgun", mailgun.DefaultTolerance)
	mailgun.body, mailgun.tamperUndetected = mailgunBody, true
	twilio := hm("twilio", 0, "X-Twilio-Signature")
	twilio.body, twilio.header = twilioBody, h("Content-Type", "application/x-www-form-urlencoded")

	return []fixture{
		hm("stripe", stripe.DefaultTolerance, "Stripe-Signature"),
		hm("notion", 0, "X-Notion-Signature"),
		hm("zoom", zoom.DefaultTolerance, "X-Zm-Signature", "X-Zm-Request-Timestamp"),
		hm("docusign", 0, "X-Docusign-Signature-1"),
		hm("sanity", sanity.DefaultTolerance, "Sanity-Webhook-Signature"),
		hm("mux", mux.DefaultTolerance, "Mux-Signature"),
		hm("typeform", 0, "Typeform-Signature"),
		hm("calendly", calendly.DefaultTolerance, "Calendly-Webhook-Signature"),
		okta,
		hm("segment", 0, "X-Signature"),
		hm("jira", 0, "X-Hub-Signature"),
		hm("workos", workos.DefaultTolerance, "WorkOS-Signature"),
		hm("vercel", 0, "X-Vercel-Signature"),
		hm("pagerduty", 0, "X-PagerDuty-Signature"),
		hm("sentry", 0, "Sentry-Hook-Signature"),
		hm("github", 0, "X-Hub-Signature-256"),
		hm("shopify", 0, "X-Shopify-Hmac-Sha256"),
		hm("slack", slack.DefaultTolerance, "X-Slack-Signature"),
		hm("standard", stdwebhooks.DefaultTolerance, "webhook-signature"),
		hm("svix", stdwebhooks.DefaultTolerance, "svix-signature"),
		hm("clerk", stdwebhooks.DefaultTolerance, "svix-signature"),
		hm("resend", stdwebhooks.DefaultTolerance, "svix-signature"),
		gitlab,
		hm("bitbucket", 0, "X-Hub-Signature"),
		hm("paddle", paddle.DefaultTolerance, "Paddle-Signature"),
		linear,
		hm("intercom", 0, "X-Hub-Signature"),
		hm("zendesk", zendesk.DefaultTolerance, "X-Zendesk-Webhook-Signature"),
		hm("hubspot", hubspot.DefaultTolerance, "X-HubSpot-Signature-v3"),
		hm("square", 0, "X-Square-Hmacsha256-Signature"),
		twilio,
		hm("twitch", twitch.DefaultTolerance, "Twitch-Eventsub-Message-Signature"),
		{
			platform: "discord", sign: dPriv, verify: dPub, otherSign: oPriv, otherVerify: oPub,
			body: testBody, sigHeaders: []string{"X-Signature-Ed25519"}, window: discord.DefaultTolerance,
		},
		{
			platform: "sendgrid", sign: sPriv, verify: sPub, otherSign: osPriv, otherVerify: osPub,
			body: testBody, sigHeaders: []string{"X-Twilio-Email-Event-Webhook-Signature"}, window: sendgrid.DefaultTolerance,
		},
		mailgun,
		adyen,
	}
}

// signed returns the request a sender of f.platform makes at testNow with
// secret.
func (f fixture) signed(t *testing.T, secret string) Request {
	t.Helper()
	hd, body, err := SignRequest(f.platform, SignInput{Secret: secret, Now: testNow, ID: "msg_1", Body: f.body, URL: testURL})
	if err != nil {
		t.Fatalf("SignRequest: %v", err)
	}
	for k, vs := range f.header {
		hd[k] = vs
	}
	return Request{Header: hd, Body: body, Now: testNow, Method: http.MethodPost, URL: testURL}
}

func (f fixture) verifier(t *testing.T, secrets ...string) Verifier {
	t.Helper()
	v, err := New(f.platform, secrets, 0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// stripBodySignature removes the in-body signature of adyen and mailgun.
func stripBodySignature(t *testing.T, platform string, body []byte) []byte {
	t.Helper()
	switch platform {
	case "mailgun":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		delete(m, "signature")
		b, _ := json.Marshal(m)
		return b
	case "adyen":
		return bytes.ReplaceAll(body, []byte(`"hmacSignature"`), []byte(`"hmacSignaturX"`))
	}
	t.Fatalf("%s does not sign in the body", platform)
	return nil
}

// garbleBodySignature replaces the in-body signatures with garbage.
func garbleBodySignature(t *testing.T, platform string, body []byte) []byte {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	switch platform {
	case "mailgun":
		m["signature"].(map[string]any)["signature"] = "%%not hex%%"
	case "adyen":
		for _, it := range m["notificationItems"].([]any) {
			item := it.(map[string]any)["NotificationRequestItem"].(map[string]any)
			item["additionalData"].(map[string]any)["hmacSignature"] = "%%not base64%%"
		}
	}
	b, _ := json.Marshal(m)
	return b
}

func TestConformance(t *testing.T) {
	t.Parallel()
	fs := fixtures(t)
	// Every preset of the old code must be in the suite; a platform
	// package is checked by platformtest.Run in its own tests instead.
	covered := map[string]bool{}
	for _, f := range fs {
		covered[f.platform] = true
	}
	for _, p := range Platforms() {
		if _, pkg := registry.Lookup(p); !covered[p] && !pkg {
			t.Errorf("no fixture for %s: every preset must be in the suite", p)
		}
	}
	for _, f := range fs {
		t.Run(f.platform, func(t *testing.T) {
			t.Parallel()
			v := f.verifier(t, f.otherVerify, f.verify)
			good := f.signed(t, f.sign)
			if !bytes.Contains(good.Body, []byte("evt_1")) {
				t.Fatalf("fixture body lost its marker: %s", good.Body)
			}
			t.Run("valid", func(t *testing.T) { checkErr(t, v.Verify(good), "") })
			t.Run("rotation: other secret signs", func(t *testing.T) {
				checkErr(t, v.Verify(f.signed(t, f.otherSign)), "")
			})
			t.Run("tampered body", func(t *testing.T) {
				r := good
				r.Body = bytes.Replace(good.Body, []byte("evt_1"), []byte("evt_9"), 1)
				err := v.Verify(r)
				if f.tamperUndetected {
					if err != nil {
						t.Fatalf("%s does not sign the payload, yet a changed payload failed: %v", f.platform, err)
					}
					return
				}
				if err == nil {
					t.Fatal("tampered body accepted")
				}
				checkErr(t, err, reasonOf(err))
			})
			t.Run("wrong secret", func(t *testing.T) {
				only := f.verifier(t, f.verify)
				err := only.Verify(f.signed(t, f.otherSign))
				if err == nil {
					t.Fatal("accepted under another secret")
				}
				checkErr(t, err, reasonOf(err))
			})
			t.Run("missing signature", func(t *testing.T) {
				r := good
				r.Header = good.Header.Clone()
				if len(f.sigHeaders) == 0 {
					r.Body = stripBodySignature(t, f.platform, good.Body)
				}
				for _, name := range f.sigHeaders {
					r.Header.Del(name)
				}
				err := v.Verify(r)
				if err == nil {
					t.Fatal("accepted without a signature")
				}
				checkErr(t, err, reasonOf(err))
			})
			t.Run("malformed signature", func(t *testing.T) {
				r := good
				r.Header = good.Header.Clone()
				if len(f.sigHeaders) == 0 {
					r.Body = garbleBodySignature(t, f.platform, good.Body)
				} else {
					r.Header.Set(f.sigHeaders[0], "%%not a signature%%")
				}
				err := v.Verify(r)
				if err == nil {
					t.Fatal("accepted a malformed signature")
				}
				checkErr(t, err, reasonOf(err))
			})
			if SignsURL(f.platform) {
				t.Run("URL unknown", func(t *testing.T) {
					r := good
					r.URL = ""
					checkErr(t, v.Verify(r), sig.ReasonNoURL)
				})
				t.Run("other URL", func(t *testing.T) {
					r := good
					r.URL = strings.Replace(testURL, "hooks.", "evil.", 1)
					if v.Verify(r) == nil {
						t.Fatal("signature for another URL accepted")
					}
				})
			}
			if f.window == 0 {
				return
			}
			t.Run("window", func(t *testing.T) {
				for _, c := range []struct {
					name string
					d    time.Duration
					want string
				}{
					{"at the old edge", f.window, ""},
					{"at the future edge", -f.window, ""},
					{"too old", f.window + time.Second, sig.ReasonTooOld},
					{"too far in the future", -f.window - time.Second, sig.ReasonFuture},
				} {
					r := good
					r.Now = testNow.Add(c.d)
					t.Run(c.name, func(t *testing.T) { checkErr(t, v.Verify(r), c.want) })
				}
			})
			t.Run("configured tolerance", func(t *testing.T) {
				w, err := New(f.platform, []string{f.verify}, 2*f.window)
				if err != nil {
					t.Fatal(err)
				}
				r := good
				r.Now = testNow.Add(2 * f.window)
				checkErr(t, w.Verify(r), "")
				r.Now = testNow.Add(2*f.window + time.Second)
				checkErr(t, w.Verify(r), sig.ReasonTooOld)
			})
		})
	}
}

// reasonOf returns the Reason of a verification failure, so a case that
// only requires "some failure" still asserts checkErr's other properties
// (an *Error wrapping ErrUnauthenticated).
func reasonOf(err error) string {
	if e, ok := err.(*Error); ok && e.Reason != "" {
		return e.Reason
	}
	return "<not a verify.Error>"
}

// TestEmptyKeysNeverAccept builds every preset's verifier directly with
// no usable secret (bypassing New) and checks it fails closed.
func TestEmptyKeysNeverAccept(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t) {
		t.Run(f.platform, func(t *testing.T) {
			t.Parallel()
			v, err := build(f.platform, []string{""}, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkErr(t, v.Verify(f.signed(t, f.sign)), sig.ReasonNoSecrets)
		})
	}
}

func TestNewRejectsUndecodableKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ platform, secret string }{
		{"adyen", "not hex"},
		{"discord", "abcd"},
		{"discord", strings.Repeat("zz", 32)},
		{"sendgrid", "not base64!"},
		{"sendgrid", base64.StdEncoding.EncodeToString([]byte("not DER"))},
		{"svix", "whsec_%%%"},
	} {
		if v, err := New(tc.platform, []string{tc.secret}, 0); err == nil || v != nil {
			t.Errorf("New(%s, %q) = %v, %v; want an error", tc.platform, tc.secret, v, err)
		}
	}
	// An Ed25519 key where SendGrid expects P-256.
	pub, _, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	if _, err := New("sendgrid", []string{base64.StdEncoding.EncodeToString(der)}, 0); err == nil {
		t.Error("sendgrid accepted an Ed25519 public key")
	}
}

func TestDevKeyPair(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"discord", "sendgrid"} {
		pub, priv := mustDev(t, p)
		pub2, priv2 := mustDev(t, p)
		if pub != pub2 || priv != priv2 {
			t.Errorf("%s dev keys are not deterministic", p)
		}
		hd, err := Sign(p, priv, testNow, "", testBody)
		if err != nil {
			t.Fatal(err)
		}
		v, err := New(p, []string{pub}, 0)
		if err != nil {
			t.Fatal(err)
		}
		checkErr(t, v.Verify(Request{Header: hd, Body: testBody, Now: testNow}), "")
	}
	if _, _, err := DevKeyPair("github"); err == nil {
		t.Error("DevKeyPair(github) did not fail")
	}
}

func TestSignDefaultURL(t *testing.T) {
	t.Parallel()
	// Sign signs URL-bound presets for DefaultURL, the `make run` edge.
	for _, p := range []string{"hubspot", "square", "twilio"} {
		body := twilioBody
		hd, err := Sign(p, "s", testNow, "", body)
		if err != nil {
			t.Fatal(err)
		}
		v, _ := New(p, []string{"s"}, 0)
		r := Request{Header: hd, Body: body, Now: testNow, URL: DefaultURL(p), Method: "POST"}
		checkErr(t, v.Verify(r), "")
	}
}

func TestDefaultsNew(t *testing.T) {
	t.Parallel()
	// The documented values; changing them changes what the edge accepts.
	for _, c := range []struct {
		got, want time.Duration
	}{
		{paddle.DefaultTolerance, 5 * time.Second},
		{linear.DefaultTolerance, time.Minute},
		{twitch.DefaultTolerance, 10 * time.Minute},
		{hubspot.DefaultTolerance, 5 * time.Minute},
		{zendesk.DefaultTolerance, 5 * time.Minute},
		{discord.DefaultTolerance, 5 * time.Minute},
		{sendgrid.DefaultTolerance, 5 * time.Minute},
		{mailgun.DefaultTolerance, 5 * time.Minute},
		{DefaultGenericTolerance, 5 * time.Minute},
	} {
		if c.got != c.want {
			t.Errorf("default %v, want %v", c.got, c.want)
		}
	}
}

// ts is a unix-seconds header value relative to testNow.
func ts(d time.Duration) string { return strconv.FormatInt(testNow.Add(d).Unix(), 10) }
