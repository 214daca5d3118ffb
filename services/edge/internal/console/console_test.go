package console

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/hookmesh/hookmesh/services/edge/internal/metrics"
	"github.com/hookmesh/hookmesh/services/internal/admin"
)

const testToken = "console-unit-token-0123456789"

// fakeAPI stands for the REST API behind the real token guard: it records
// the calls that got through.
type fakeAPI struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if r.URL.RawQuery != "" {
		f.calls = append(f.calls, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/v1/subscriptions/bad:pause":
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":3,"message":"pause subscription \"bad\": not allowed"}`)
	case r.URL.Path == "/v1/events" && r.URL.Query().Get("platform") == "mixed":
		_, _ = io.WriteString(w, `{"events":[{"platform":"mixed","event_id":"raw_1","normalization_error":"no type"},`+
			`{"platform":"mixed","event_id":"ok_1","event":{"event_type":"EVENT_TYPE_PAYMENT_COMPLETED","source_event_type":"charge.succeeded"}}]}`)
	default:
		_, _ = io.WriteString(w, `{}`)
	}
}

func (f *fakeAPI) called(call string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.calls {
		if c == call {
			return true
		}
	}
	return false
}

func newTestConsole(t *testing.T) (http.Handler, *fakeAPI) {
	t.Helper()
	api := &fakeAPI{}
	inner := admin.NewHandler(admin.Options{Token: testToken, API: api})
	return Mount(inner, Options{API: inner, SignIn: true}), api
}

func do(h http.Handler, r *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result()
}

func form(path string, v url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	h, _ := newTestConsole(t)

	resp := do(h, httptest.NewRequest(http.MethodGet, "/console/events", nil))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Fatalf("GET /console/events signed out = %d %q, want a redirect to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp = do(h, form("/console/signin", url.Values{"token": {"wrong-token"}}))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Fatalf("wrong token: %d, cookies %v; want 401 and no cookie", resp.StatusCode, resp.Cookies())
	}
	if !strings.Contains(string(body), "refused") || strings.Contains(string(body), "wrong-token") {
		t.Errorf("wrong token page must say it was refused and never echo the token:\n%s", body)
	}

	resp = do(h, form("/console/signin", url.Values{"token": {testToken}}))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != Prefix {
		t.Fatalf("right token: %d %q, want a redirect to the console", resp.StatusCode, resp.Header.Get("Location"))
	}
	ck := resp.Cookies()
	if len(ck) != 1 || ck[0].Name != cookieName || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode ||
		ck[0].Path != Prefix || ck[0].Secure {
		t.Fatalf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/console/, not Secure over plain HTTP", ck)
	}

	req := form("/console/signin", url.Values{"token": {testToken}})
	req.TLS = &tls.ConnectionState{}
	if ck := do(h, req).Cookies(); len(ck) != 1 || !ck[0].Secure {
		t.Errorf("cookie over TLS %+v: want Secure", ck)
	}

	// X-Forwarded-Proto counts only when proxy headers are trusted.
	req = form("/console/signin", url.Values{"token": {testToken}})
	req.Header.Set("X-Forwarded-Proto", "https")
	if ck := do(h, req).Cookies(); len(ck) != 1 || ck[0].Secure {
		t.Errorf("cookie with an untrusted X-Forwarded-Proto %+v: want not Secure", ck)
	}
	inner := admin.NewHandler(admin.Options{Token: testToken, API: &fakeAPI{}})
	proxied := Mount(inner, Options{API: inner, SignIn: true, TrustProxyHeaders: true})
	for proto, secure := range map[string]bool{"https": true, "HTTPS, http": true, "http": false, "": false} {
		req = form("/console/signin", url.Values{"token": {testToken}})
		req.Header.Set("X-Forwarded-Proto", proto)
		if ck := do(proxied, req).Cookies(); len(ck) != 1 || ck[0].Secure != secure || !ck[0].HttpOnly ||
			ck[0].SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie behind a trusted proxy, X-Forwarded-Proto %q: %+v, want Secure=%v, HttpOnly, SameSite=Strict", proto, ck, secure)
		}
	}

	// A cookie the API refuses (the token was rotated) signs out.
	req = httptest.NewRequest(http.MethodGet, "/console/subscriptions", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: "rotated-away"})
	resp = do(h, req)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/signin" {
		t.Errorf("stale cookie: %d %q, want a redirect to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestStateChangesNeedCSRF(t *testing.T) {
	t.Parallel()
	h, api := newTestConsole(t)
	csrf := csrfToken([]byte(testToken))
	post := func(v url.Values, origin string) *http.Response {
		r := form("/console/subscriptions/s1/pause", v)
		r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		return do(h, r)
	}
	if resp := post(nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp := post(url.Values{"csrf": {csrfToken([]byte("another session"))}}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another session's CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp := post(url.Values{"csrf": {csrf}}, "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin: %d, want 403", resp.StatusCode)
	}
	if api.called("POST /v1/subscriptions/s1:pause") {
		t.Fatal("a refused request reached the API")
	}
	if resp := post(url.Values{"csrf": {csrf}}, "http://example.com"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("same origin with the CSRF token: %d, want 303", resp.StatusCode)
	}
	if !api.called("POST /v1/subscriptions/s1:pause") {
		t.Error("the pause did not reach the API")
	}
}

func TestAPIRefusalShown(t *testing.T) {
	t.Parallel()
	h, _ := newTestConsole(t)
	r := form("/console/subscriptions/bad/pause", url.Values{"csrf": {csrfToken([]byte(testToken))}})
	r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
	resp := do(h, r)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "not allowed") {
		t.Errorf("API refusal: %d, want 400 with the API's message:\n%s", resp.StatusCode, body)
	}
}

func TestFieldOf(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]string{
		`create subscription "x": target 169.254.169.254:80: address 169.254.169.254 is link-local (always refused): invalid argument`:   "target",
		`create subscription: subscription name "Bad Name" must match ^[a-z]+$: invalid argument`:                                        "name",
		`update subscription "x": timeout 1h0m0s exceeds 5m0s: invalid argument`:                                                         "timeout",
		`create subscription "x": filter: undeclared reference to 'evnt': invalid argument`:                                              "filter",
		`create subscription "x": event type 99 is not a known event type: invalid argument`:                                             "event_types",
		`create subscription "x": ordering_key: ERROR: <input>:1:1: ordering_key must be a string expression, not int: invalid argument`: "ordering_key",
		`update subscription "x": rate.per_second -1 must be above 0 and at most 10000: invalid argument`:                                "rate_per_second",
		`create subscription "x": rate.burst -2 is negative: invalid argument`:                                                           "rate_burst",
		`create subscription "x": start_from 2030-01-01T00:00:00Z is in the future: invalid argument`:                                    "start_from",
		`create subscription "x": secrets[0]: must be "whsec_" followed by the base64 of 24 to 64 random bytes: invalid argument`:        "secrets",
		`create subscription "x": secrets are for http:// and https:// targets only: invalid argument`:                                   "secrets",
		`something else entirely`: "",
	} {
		if got := fieldOf(msg); got != want {
			t.Errorf("fieldOf(%q) = %q, want %q", msg, got, want)
		}
	}
}

func TestViewBody(t *testing.T) {
	t.Parallel()
	v := viewBody([]byte(`{"amount":1999.50,"big":12345678901234567890,"s":"é"}`))
	if v.Kind != "json" || !strings.Contains(v.Text, "1999.50") || !strings.Contains(v.Text, "12345678901234567890") ||
		!strings.Contains(v.Text, "\n  \"s\": \"é\"") {
		t.Errorf("JSON body shown as %s:\n%s", v.Kind, v.Text)
	}
	if v := viewBody([]byte("a=1&b=2")); v.Kind != "text" || v.Text != "a=1&b=2" {
		t.Errorf("form body shown as %s %q", v.Kind, v.Text)
	}
	if v := viewBody([]byte{'o', 'k', 0xff, 0x00, '\n'}); v.Kind != "binary" || v.Text != `ok\xff\x00`+"\n" {
		t.Errorf("binary body shown as %s %q", v.Kind, v.Text)
	}
	if v := viewBody(nil); v.Length != 0 || !strings.Contains(v.Kind, "retention") {
		t.Errorf("empty (retention-cleared) body shown as %s %q", v.Kind, v.Text)
	}
}

// TestParseMetrics reads the edge's own metrics, as its registry writes
// them, so a renamed metric or label breaks here and not in the browser.
func TestParseMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := metrics.New(reg, []string{"stripe", "github"})
	m.Request("stripe", http.StatusAccepted, 20*time.Millisecond)
	m.Request("stripe", http.StatusAccepted, 40*time.Millisecond)
	m.Request("github", http.StatusUnauthorized, time.Millisecond)
	m.NormalizationFailed("github", "rejected")
	var buf bytes.Buffer
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if _, err := expfmt.MetricFamilyToText(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	s, err := parseMetrics(buf.Bytes(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.accepted != 2 || s.refused != 1 || s.requestsByPlatform["stripe"] != 2 {
		t.Errorf("requests: accepted %v refused %v by platform %v, want 2, 1, stripe 2", s.accepted, s.refused, s.requestsByPlatform)
	}
	if s.ackCount != 2 || s.ackSum < 0.059 || s.ackSum > 0.061 {
		t.Errorf("acks: %v in %vs, want 2 in 0.06s", s.ackCount, s.ackSum)
	}
	if s.normFailuresTotal != 1 {
		t.Errorf("normalization failures %v, want 1", s.normFailuresTotal)
	}
}

// TestReplayAllInBatches checks the "replay all matching" progress: each
// answer says how far it got and, while some remain, asks for the next
// batch with the same filters.
func TestReplayAllInBatches(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	remaining := 150
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/deadletters:replay" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(string(body), `"subscription":"billing"`) {
			t.Errorf("replay request %s lost the filter", body)
		}
		mu.Lock()
		n := min(remaining, replayBatch)
		remaining -= n
		left := remaining
		mu.Unlock()
		_, _ = io.WriteString(w, `{"replayed":`+strconv.Itoa(n)+`,"remaining":`+strconv.Itoa(left)+`}`)
	})
	inner := admin.NewHandler(admin.Options{API: api})
	h := Mount(inner, Options{API: inner}) // no token: loopback, no sign-in
	c := New(Options{API: inner})
	step := func(done string) string {
		v := url.Values{"csrf": {csrfToken(c.openKey)}, "all": {"1"}, "subscription": {"billing"}, "done": {done}}
		resp := do(c, form("/console/deadletters/replay", v))
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("replay step: %d %s", resp.StatusCode, b)
		}
		return string(b)
	}
	first := step("")
	if !strings.Contains(first, "Replayed 100, 50 remaining") || !strings.Contains(first, `hx-trigger="load"`) ||
		!strings.Contains(first, `name="done" value="100"`) || !strings.Contains(first, `name="subscription" value="billing"`) {
		t.Errorf("first batch:\n%s", first)
	}
	last := step("100")
	// Done: no next batch, and the list below reloads (replayed rows
	// leave it) with the same filter.
	if !strings.Contains(last, "Replayed 150: done.") || strings.Contains(last, `name="done"`) ||
		!strings.Contains(last, `hx-get="/console/deadletters?subscription=billing" hx-trigger="load" hx-select="#dl-list"`) {
		t.Errorf("last batch:\n%s", last)
	}
	if strings.Contains(first, `hx-select="#dl-list"`) {
		t.Errorf("first batch reloads the list before the replays are done:\n%s", first)
	}
	// Without a token the pages need no sign-in, and posts still need
	// the CSRF token.
	if resp := do(h, httptest.NewRequest(http.MethodGet, "/console/signin", nil)); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != Prefix {
		t.Errorf("sign-in page without a token: %d %q, want a redirect to the console", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := do(h, form("/console/deadletters/replay", url.Values{"all": {"1"}})); resp.StatusCode != http.StatusForbidden {
		t.Errorf("post without the CSRF token and without sign-in: %d, want 403", resp.StatusCode)
	}
}

// TestEventFilters checks what the events page asks the API for: every
// filter, server-side, the time range read as UTC; a malformed time is
// shown and not sent.
func TestEventFilters(t *testing.T) {
	t.Parallel()
	h, api := newTestConsole(t)
	get := func(query string) (*http.Response, string) {
		r := httptest.NewRequest(http.MethodGet, "/console/events?"+query, nil)
		r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
		resp := do(h, r)
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := get("platform=stripe&type=PAYMENT_COMPLETED&after=2026-01-02T03:04&entity=pi_1&user=cus_9&source_type=charge.refunded")
	want := "GET /v1/events?entity_id=pi_1&event_type=EVENT_TYPE_PAYMENT_COMPLETED&page_size=50&platform=stripe" +
		"&received_after=2026-01-02T03%3A04%3A00Z&source_event_type=charge.refunded&user_id=cus_9"
	if resp.StatusCode != http.StatusOK || !api.called(want) {
		t.Errorf("events page: %d, API calls %v, want %s", resp.StatusCode, api.calls, want)
	}
	// A page with an event that failed normalization (no normalized
	// event) next to one that did not renders both.
	resp, body := get("platform=mixed")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "raw_1") || !strings.Contains(body, "not normalized") ||
		!strings.Contains(body, "charge.succeeded") {
		t.Errorf("events with an unnormalized one: %d\n%s", resp.StatusCode, body)
	}
	resp, body = get("before=yesterday")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "before: want a date and time") {
		t.Errorf("malformed time: %d\n%s", resp.StatusCode, body)
	}
	if api.called("GET /v1/events?page_size=50") {
		t.Error("a malformed time range was sent to the API without it")
	}
}
