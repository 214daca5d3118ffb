package console

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/hookmesh/hookmesh/services/internal/admin"
)

// leakedSecret is a secret value the fake API (wrongly) returns: the
// console must not show it even then.
const leakedSecret = "whsec_bGVha2VkLXNlY3JldC12YWx1ZS0wMTIzNDU2Nzg5"

// shapeAPI is a fake admin API for the subscription form, redeliveries
// and jobs: it records each request's method, path and body.
type shapeAPI struct {
	mu   sync.Mutex
	reqs []string
}

func (a *shapeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// protojson varies its spacing on purpose: compare compact JSON.
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	a.mu.Lock()
	a.reqs = append(a.reqs, r.Method+" "+r.URL.RequestURI()+" "+string(body))
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	refuse := func(msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":3,"message":`+quote(msg)+`}`)
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/subscriptions/hooks":
		_, _ = io.WriteString(w, `{"subscription":{"name":"hooks","target":"https://example.com/hook","rate":{"per_second":2.5,"burst":4},`+
			`"ordering_key":"event.entity_id","payload":"PAYLOAD_FORMAT_RAW","start_from":"2026-01-02T03:04:00Z",`+
			`"secrets":[{"id":"sec_old","secret":"`+leakedSecret+`","created_at":"2026-01-01T00:00:00Z"},{"id":"sec_new","created_at":"2026-02-01T00:00:00Z"}]}}`)
	case r.Method == http.MethodPut && r.URL.Path == "/v1/subscriptions/hooks":
		if strings.Contains(string(body), `"ordering_key":"1 + 1"`) {
			refuse(`update subscription "hooks": ordering_key: ordering_key must be a string expression, not int: invalid argument`)
			return
		}
		_, _ = io.WriteString(w, `{}`)
	case r.URL.Path == "/v1/subscriptions/hooks:redeliver":
		if strings.Contains(string(body), `"filter":"bad ("`) {
			refuse(`redeliver subscription "hooks": filter: ERROR: <input>:1:6: Syntax error: mismatched input: invalid argument`)
			return
		}
		_, _ = io.WriteString(w, `{"job":{"job_id":"11111111-2222-3333-4444-555555555555","state":"JOB_STATE_RUNNING"}}`)
	case r.URL.Path == "/v1/jobs":
		_, _ = io.WriteString(w, `{"jobs":[{"job_id":"job-running","kind":"JOB_KIND_REDELIVER","subscription":"hooks","state":"JOB_STATE_RUNNING",`+
			`"events_scanned":"40","deliveries_created":"12","total_estimate":"100"},`+
			`{"job_id":"job-failed","kind":"JOB_KIND_BACKFILL","subscription":"hooks","state":"JOB_STATE_FAILED","error":"subscription deleted"}]}`)
	case r.URL.Path == "/v1/jobs/job-running:cancel":
		_, _ = io.WriteString(w, `{"job":{"job_id":"job-running","state":"JOB_STATE_CANCELLED","deliveries_created":"12"}}`)
	default:
		_, _ = io.WriteString(w, `{}`)
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// sent returns the bodies of the requests whose "METHOD URI" starts with
// prefix.
func (a *shapeAPI) sent(prefix string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, r := range a.reqs {
		if strings.HasPrefix(r, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func newShapeConsole(t *testing.T) (http.Handler, *shapeAPI) {
	t.Helper()
	api := &shapeAPI{}
	inner := admin.NewHandler(admin.Options{Token: testToken, API: api})
	return Mount(inner, Options{API: inner, SignIn: true}), api
}

// signedIn sends r with the session cookie and returns the status and
// body.
func signedIn(h http.Handler, r *http.Request) (int, string) {
	r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
	resp := do(h, r)
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestNewPostsNeedCSRF: the redelivery and the job cancel change state,
// so without the session's CSRF token they never reach the API.
func TestNewPostsNeedCSRF(t *testing.T) {
	t.Parallel()
	h, api := newShapeConsole(t)
	for _, path := range []string{"/console/subscriptions/hooks/redeliver", "/console/jobs/job-running/cancel"} {
		for name, v := range map[string]url.Values{
			"none":          {"from": {"2026-01-01T00:00"}},
			"other session": {"from": {"2026-01-01T00:00"}, "csrf": {csrfToken([]byte("another session"))}},
		} {
			if code, _ := signedIn(h, form(path, v)); code != http.StatusForbidden {
				t.Errorf("POST %s with CSRF %s: %d, want 403", path, name, code)
			}
		}
	}
	if got := api.sent("POST"); len(got) != 0 {
		t.Fatalf("refused posts reached the API: %v", got)
	}
	code, _ := signedIn(h, form("/console/jobs/job-running/cancel", url.Values{"csrf": {csrfToken([]byte(testToken))}}))
	if code != http.StatusSeeOther || len(api.sent("POST /v1/jobs/job-running:cancel")) != 1 {
		t.Errorf("cancel with the CSRF token: %d, API calls %v", code, api.sent("POST"))
	}
}

// TestSubscriptionSecretsWriteOnly: the edit form shows stored secrets by
// id only (even if the API leaked a value), sends kept ones back by id,
// drops removed ones, adds the new one, and never echoes a typed secret.
func TestSubscriptionSecretsWriteOnly(t *testing.T) {
	t.Parallel()
	h, api := newShapeConsole(t)
	code, page := signedIn(h, httptest.NewRequest(http.MethodGet, "/console/subscriptions/hooks/edit", nil))
	if code != http.StatusOK {
		t.Fatalf("edit page: %d\n%s", code, page)
	}
	for _, want := range []string{"sec_old", "sec_new", `value="2.5"`, `value="4"`, `value="event.entity_id"`,
		`<option value="raw" selected>`, "Backfilled from 2026-01-02 03:04:00Z"} {
		if !strings.Contains(page, want) {
			t.Errorf("edit page lacks %q", want)
		}
	}
	if strings.Contains(page, leakedSecret) || strings.Contains(page, "whsec_bGVh") {
		t.Fatal("the edit page shows a secret's value")
	}

	const typed = "whsec_dHlwZWQtc2VjcmV0LXZhbHVlLTAxMjM0NTY3ODk="
	v := url.Values{"csrf": {csrfToken([]byte(testToken))}, "target": {"https://example.com/hook"},
		"rate_per_second": {"20"}, "rate_burst": {"5"}, "ordering_key": {"1 + 1"}, "payload": {"normalized"},
		"remove_secret": {"sec_old"}, "new_secret": {typed}}
	code, page = signedIn(h, form("/console/subscriptions/hooks", v))
	if code != http.StatusBadRequest || !strings.Contains(page, `id="err-ordering_key"`) ||
		!strings.Contains(page, "must be a string expression") {
		t.Errorf("ordering key refused: %d, want 400 with the error next to the field:\n%s", code, page)
	}
	if strings.Contains(page, typed) || strings.Contains(page, leakedSecret) {
		t.Error("the form sent back with an error shows a secret's value")
	}
	if !strings.Contains(page, `value="sec_old" checked`) {
		t.Error("the form sent back with an error lost the ticked removal")
	}
	puts := api.sent("PUT /v1/subscriptions/hooks")
	if len(puts) != 1 {
		t.Fatalf("PUTs %v, want 1", puts)
	}
	body := puts[0]
	for _, want := range []string{`"rate":{"per_second":20,"burst":5}`, `"payload":"PAYLOAD_FORMAT_NORMALIZED"`,
		`{"id":"sec_new","created_at":"2026-02-01T00:00:00Z"}`, `{"secret":"` + typed + `"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("PUT body lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "sec_old") || strings.Contains(body, leakedSecret) || strings.Contains(body, "start_from") {
		t.Errorf("PUT body keeps the removed secret, a returned value or start_from:\n%s", body)
	}
}

// TestRedeliverAndJobs: a redelivery is sent with its range in UTC and
// lands on the Jobs page; a refused filter is shown next to its field;
// the Jobs page polls only while a job runs and offers cancel only then.
func TestRedeliverAndJobs(t *testing.T) {
	t.Parallel()
	h, api := newShapeConsole(t)
	csrf := csrfToken([]byte(testToken))
	resp := func(v url.Values) *http.Response {
		r := form("/console/subscriptions/hooks/redeliver", v)
		r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
		return do(h, r)
	}
	ok := resp(url.Values{"csrf": {csrf}, "from": {"2026-01-02T03:04"}, "to": {"2026-01-03T00:00:30"}, "filter": {`platform == "stripe"`}})
	if loc := ok.Header.Get("Location"); ok.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/jobs?") ||
		!strings.Contains(loc, "11111111-2222-3333-4444-555555555555") {
		t.Errorf("redeliver: %d %q, want a redirect to the Jobs page naming the job", ok.StatusCode, loc)
	}
	sent := api.sent("POST /v1/subscriptions/hooks:redeliver")
	if len(sent) != 1 || !strings.Contains(sent[0], `"from":"2026-01-02T03:04:00Z"`) || !strings.Contains(sent[0], `"to":"2026-01-03T00:00:30Z"`) ||
		!strings.Contains(sent[0], `"filter":"platform == \"stripe\""`) {
		t.Errorf("redeliver request %v", sent)
	}
	bad := resp(url.Values{"csrf": {csrf}, "from": {"2026-01-02T03:04"}, "filter": {"bad ("}})
	b, _ := io.ReadAll(bad.Body)
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `<p class="field-error" id="err-filter" role="alert">`) ||
		!strings.Contains(string(b), "1:6: Syntax error") {
		t.Errorf("refused filter: %d\n%s", bad.StatusCode, b)
	}
	noFrom := resp(url.Values{"csrf": {csrf}})
	b, _ = io.ReadAll(noFrom.Body)
	if noFrom.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `id="err-from"`) {
		t.Errorf("no from: %d\n%s", noFrom.StatusCode, b)
	}
	if n := len(api.sent("POST /v1/subscriptions/hooks:redeliver")); n != 2 {
		t.Errorf("%d redeliver requests reached the API, want 2 (a missing from is refused by the form)", n)
	}

	code, page := signedIn(h, httptest.NewRequest(http.MethodGet, "/console/jobs?subscription=hooks", nil))
	if code != http.StatusOK || len(api.sent("GET /v1/jobs?limit=100&subscription=hooks")) != 1 {
		t.Fatalf("jobs page: %d, API calls %v", code, api.sent("GET"))
	}
	for _, want := range []string{`hx-trigger="every 2s"`, `hx-get="/console/jobs/list?subscription=hooks"`,
		`action="/console/jobs/job-running/cancel"`, "40</span> of about 100 events scanned", "subscription deleted",
		`<progress max="100" value="40"`} {
		if !strings.Contains(page, want) {
			t.Errorf("jobs page lacks %q", want)
		}
	}
	if strings.Contains(page, `action="/console/jobs/job-failed/cancel"`) {
		t.Error("a failed job offers cancel")
	}
	code, frag := signedIn(h, httptest.NewRequest(http.MethodGet, "/console/jobs/list?subscription=hooks", nil))
	if code != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(frag), `<div id="jobs-list"`) || strings.Contains(frag, "<html") {
		t.Errorf("jobs list fragment: %d\n%s", code, frag)
	}
}

// TestCreateWithStartFrom: start_from (UTC) is sent on create only and
// the notice points at the backfill job; a malformed time never reaches
// the API.
func TestCreateWithStartFrom(t *testing.T) {
	t.Parallel()
	h, api := newShapeConsole(t)
	v := url.Values{"csrf": {csrfToken([]byte(testToken))}, "name": {"fresh"}, "target": {"127.0.0.1:9"}, "start_from": {"2026-01-02T03:04"}}
	r := form("/console/subscriptions", v)
	r.AddCookie(&http.Cookie{Name: cookieName, Value: testToken})
	resp := do(h, r)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "backfill") {
		t.Errorf("create with start_from: %d %q, want a redirect whose notice names the backfill", resp.StatusCode, loc)
	}
	if sent := api.sent("POST /v1/subscriptions "); len(sent) != 1 || !strings.Contains(sent[0], `"start_from":"2026-01-02T03:04:00Z"`) {
		t.Errorf("create request %v, want start_from in UTC", sent)
	}
	v.Set("start_from", "last monday")
	code, page := signedIn(h, form("/console/subscriptions", v))
	if code != http.StatusBadRequest || !strings.Contains(page, `id="err-start_from"`) {
		t.Errorf("malformed start_from: %d\n%s", code, page)
	}
	if n := len(api.sent("POST /v1/subscriptions ")); n != 1 {
		t.Errorf("%d create requests reached the API, want 1", n)
	}
	// The edit page of a backfilled subscription shows the time; there is
	// no field to change it.
	_, page = signedIn(h, httptest.NewRequest(http.MethodGet, "/console/subscriptions/hooks/edit", nil))
	if strings.Contains(page, `name="start_from"`) {
		t.Error("the edit form offers to change start_from")
	}
}
