package sample

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/eventkey"
)

// testURL is where the samples are "posted": a URL with a port and a
// path, as `hookmesh send` builds it, so URL-signing platforms are signed
// for something other than verify.DefaultURL.
func testURL(platform string) string { return "http://127.0.0.1:18080/webhooks/" + platform }

// signed is a sample as the edge receives it.
type signed struct {
	w      Webhook
	header http.Header
	body   []byte
	url    string
}

// buildSigned builds and signs a sample with the development signing
// secret, failing the test on any error.
func buildSigned(t *testing.T, platform, typ string, now time.Time) signed {
	t.Helper()
	w, err := Build(platform, typ, now)
	if err != nil {
		t.Fatalf("%s %s: build: %v", platform, typ, err)
	}
	u := testURL(platform)
	h, body, err := w.Sign(edge.DevSigningSecrets[platform], now, u)
	if err != nil {
		t.Fatalf("%s %s: sign: %v", platform, typ, err)
	}
	return signed{w: w, header: h, body: body, url: u}
}

// TestPlatformsCoverEveryPreset: a preset without a sample cannot be
// sent by `hookmesh send`, so a new preset must come with one.
func TestPlatformsCoverEveryPreset(t *testing.T) {
	t.Parallel()
	if got, want := Platforms(), verify.Platforms(); !slices.Equal(got, want) {
		t.Fatalf("sample platforms %v, verify presets %v", got, want)
	}
	for _, p := range Platforms() {
		if _, d, _ := templatesOf(p); len(Types(p)) == 0 || Types(p)[0] != d {
			t.Errorf("%s: default type %q not first of %v", p, d, Types(p))
		}
	}
}

// TestEverySampleVerifiesAndKeys signs every sample as `hookmesh send`
// does and checks what the edge will do with it: the signature verifies
// with the secret the edge holds under HOOKMESH_DEV_SECRETS, the body is
// valid for its content type, and the dedup key the edge derives is the
// sample's event id.
func TestEverySampleVerifiesAndKeys(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, p := range Platforms() {
		v, err := verify.New(p, []string{edge.DevSecrets[p]}, 0)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, typ := range Types(p) {
			s := buildSigned(t, p, typ, now)
			req := verify.Request{Header: s.header, Body: s.body, Now: now, Method: http.MethodPost, URL: s.url}
			if err := v.Verify(req); err != nil {
				t.Errorf("%s %s: does not verify: %v", p, typ, err)
			}
			if verify.SignsURL(p) {
				// The URL is really signed: another one must not verify.
				req.URL = "http://127.0.0.1:18081/webhooks/" + p
				if v.Verify(req) == nil {
					t.Errorf("%s %s: verifies for a URL it was not signed for", p, typ)
				}
			}
			checkBody(t, p, typ, s.header, s.body)
			checkKey(t, p, typ, s, now)
		}
	}
}

// checkBody asserts the body parses as its Content-Type says.
func checkBody(t *testing.T, p, typ string, h http.Header, body []byte) {
	t.Helper()
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s %s: Content-Type %q: %v", p, typ, h.Get("Content-Type"), err)
		return
	}
	switch mt {
	case "application/json":
		if !json.Valid(body) {
			t.Errorf("%s %s: body is not JSON:\n%s", p, typ, body)
		}
	case "application/x-www-form-urlencoded":
		if f, err := url.ParseQuery(string(body)); err != nil || len(f) == 0 || json.Valid(body) {
			t.Errorf("%s %s: body is not a form (%v):\n%s", p, typ, err, body)
		}
	default:
		t.Errorf("%s %s: unexpected Content-Type %q", p, typ, mt)
	}
}

// checkKey asserts the edge's key of the signed request is the sample's
// EventID; where it is a function of the body (batches, adyen) that it
// is stable and differs between two samples.
func checkKey(t *testing.T, p, typ string, s signed, now time.Time) {
	t.Helper()
	lower := lowerHeaders(s.header)
	key, err := eventkey.Derive(p, lower, s.body)
	if err != nil || key.EventID != s.w.EventID || s.w.EventID == "" {
		t.Errorf("%s %s: edge key %+v (%v), want event id %q", p, typ, key, err, s.w.EventID)
		return
	}
	if !keyedByContent(p) {
		if s.w.EventID != s.w.ID {
			t.Errorf("%s %s: event id %q is not the fresh id %q", p, typ, s.w.EventID, s.w.ID)
		}
		return
	}
	again, _ := eventkey.Derive(p, lower, s.body)
	other := buildSigned(t, p, typ, now)
	if again != key || other.w.EventID == s.w.EventID {
		t.Errorf("%s %s: content key not stable (%q, %q) or shared by two samples (%q)", p, typ, key.EventID, again.EventID, other.w.EventID)
	}
}

func TestFreshIDs(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, p := range Platforms() {
		a, _ := Build(p, "", now)
		b, _ := Build(p, "", now)
		if a.ID == "" || a.ID == b.ID || a.EventID == b.EventID {
			t.Errorf("%s: two samples share an id (%q, %q)", p, a.EventID, b.EventID)
		}
	}
	if _, err := Build("stripe", "no.such.type", now); err == nil {
		t.Error("unknown type accepted")
	}
	if _, err := Build("nope", "", now); err == nil {
		t.Error("unknown platform accepted")
	}
}

// TestSizes pins the sizes the benchmark relies on (within 25%).
func TestSizes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		platform, typ string
		min, max      int
	}{
		{"stripe", "", 1500, 2500},
		{"shopify", "orders/create", 3750, 6250},
		{"github", "push", 11250, 18750},
		{"slack", "", 200, 1500},
		{"standard", "", 100, 500},
	} {
		w, err := Build(c.platform, c.typ, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(w.Body); n < c.min || n > c.max {
			t.Errorf("%s %s: %d bytes, want %d..%d", c.platform, c.typ, n, c.min, c.max)
		}
	}
}

// TestFromFile: a user's payload gets the headers the edge keys and
// normalizes by, and signs and verifies for every platform.
func TestFromFile(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, p := range Platforms() {
		// The platform's own sample, as a user would save it to a file.
		orig, err := Build(p, "", now)
		if err != nil {
			t.Fatal(err)
		}
		w := FromFile(p, orig.Body, "")
		u := testURL(p)
		h, body, err := w.Sign(edge.DevSigningSecrets[p], now, u)
		if err != nil {
			t.Errorf("%s: sign: %v", p, err)
			continue
		}
		v, _ := verify.New(p, []string{edge.DevSecrets[p]}, 0)
		if err := v.Verify(verify.Request{Header: h, Body: body, Now: now, Method: http.MethodPost, URL: u}); err != nil {
			t.Errorf("%s: file payload does not verify: %v", p, err)
		}
		checkBody(t, p, "file", h, body)
		key, err := eventkey.Derive(p, lowerHeaders(h), body)
		if err != nil || key.EventID != w.EventID {
			t.Errorf("%s: file payload key %+v (%v), want %q", p, key, err, w.EventID)
		}
	}
	// A body without an id is keyed by its content, as the edge does.
	w := FromFile("stripe", []byte(`{"object":"event"}`), "")
	if w.EventID != eventkey.ContentKey(w.Body).EventID {
		t.Errorf("stripe without id: event id %q, want the content key", w.EventID)
	}
	// The type header follows the user's choice.
	if w := FromFile("github", []byte(`{}`), "issues"); w.Header.Get("X-GitHub-Event") != "issues" {
		t.Errorf("github type header %q", w.Header.Get("X-GitHub-Event"))
	}
	if w := FromFile("twilio", []byte("AccountSid=AC1&MessageSid=SM1"), ""); !strings.HasPrefix(w.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("twilio content type %q", w.Header.Get("Content-Type"))
	}
}
