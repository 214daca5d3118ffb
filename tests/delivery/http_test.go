package delivery

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/tests/harness"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Two Standard Webhooks secrets: the old one expiring (a rotation under
// way) and the new one.
const (
	webSecretOld = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	webSecretNew = "whsec_bmV3IHNlY3JldCBvZiB0aGUgaHR0cCBlMmUgdGVzdA=="
)

// webPost is one request the app received.
type webPost struct {
	path   string
	header http.Header
	body   string
	// verified says, per secret (old, new), whether that secret alone
	// verified the request: both hookmesh's own Standard Webhooks verifier
	// (the edge's) and the specification's reference library
	// (github.com/standard-webhooks/standard-webhooks/libraries/go) must
	// accept it; disagreed records a request on which they differ.
	verified  [2]bool
	disagreed bool
}

// webApp is the HTTP destination: it checks every request with the
// edge's Standard Webhooks verifier (written and tested against the
// specification's vectors apart from the dispatcher's signer), once per
// secret, and answers by path: /flaky 500 twice per webhook-id then 200,
// /bad 400, anything else 200. A request no secret verifies gets 401.
type webApp struct {
	*httptest.Server
	verifiers [2]verify.Verifier
	reference [2]*standardwebhooks.Webhook
	mu        sync.Mutex
	posts     map[string][]webPost // by webhook-id
}

func startWebApp(t *testing.T) *webApp {
	t.Helper()
	app := &webApp{posts: map[string][]webPost{}}
	for i, s := range []string{webSecretOld, webSecretNew} {
		v, err := verify.New("standard", []string{s}, 0)
		if err != nil {
			t.Fatal(err)
		}
		app.verifiers[i] = v
		if app.reference[i], err = standardwebhooks.NewWebhook(s); err != nil {
			t.Fatal(err)
		}
	}
	app.Server = httptest.NewServer(http.HandlerFunc(app.serve)) // on 127.0.0.1
	t.Cleanup(app.Close)
	return app
}

func (a *webApp) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p := webPost{path: r.URL.Path, header: r.Header.Clone(), body: string(body)}
	for i, v := range a.verifiers {
		ours := v.Verify(verify.Request{Header: r.Header, Body: body, Method: r.Method}) == nil
		reference := a.reference[i].Verify(body, r.Header) == nil
		p.verified[i] = ours && reference
		p.disagreed = p.disagreed || ours != reference
	}
	id := r.Header.Get("webhook-id")
	a.mu.Lock()
	a.posts[id] = append(a.posts[id], p)
	n := len(a.posts[id])
	a.mu.Unlock()
	switch {
	case r.Method != http.MethodPost || !p.verified[0] && !p.verified[1]:
		http.Error(w, "signature", http.StatusUnauthorized)
	case p.path == "/flaky" && n <= 2:
		http.Error(w, "try again", http.StatusInternalServerError)
	case p.path == "/bad":
		http.Error(w, "unknown field amount_cents", http.StatusBadRequest)
	}
}

// checkAgreement fails t if the two verifiers differed on any request,
// or if no request was verified at all.
func (a *webApp) checkAgreement(t *testing.T) {
	a.mu.Lock()
	defer a.mu.Unlock()
	verified := 0
	for id, posts := range a.posts {
		for _, p := range posts {
			if p.disagreed {
				t.Errorf("%s: hookmesh's verifier and the reference library disagree on %s %v", id, p.path, p.header)
			}
			if p.verified[0] || p.verified[1] {
				verified++
			}
		}
	}
	if verified == 0 {
		t.Error("no request was verified by the reference library")
	}
}

func (a *webApp) received(id string) []webPost {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]webPost(nil), a.posts[id]...)
}

// TestHTTPDestinationPostgres and TestHTTPDestinationEmbedded: the real
// ledger (on PostgreSQL, then on its embedded store) and dispatcher
// binaries deliver to an HTTP app on loopback, which the allow list
// admits for plain http:// only through its configuration (http:loopback).
func TestHTTPDestinationPostgres(t *testing.T) {
	t.Parallel()
	testHTTPDestination(t, nil)
}

func TestHTTPDestinationEmbedded(t *testing.T) {
	t.Parallel()
	testHTTPDestination(t, map[string]string{"DATABASE_URL": "", "HOOKMESH_DATA_DIR": t.TempDir()})
}

// testHTTPDestination: signed POSTs that an independent verifier accepts
// under either secret of a rotation, the normalized event or the raw body
// as the subscription asks, 500s retried then delivered, a 400
// dead-lettered, each attempt's HTTP status in the history and the
// dispatcher's metrics.
func testHTTPDestination(t *testing.T, ledgerEnv map[string]string) {
	const allow = "http:loopback" // the ledger's and the dispatcher's HOOKMESH_TARGET_ALLOW
	env := map[string]string{"HOOKMESH_TARGET_ALLOW": allow}
	for k, v := range ledgerEnv {
		env[k] = v
	}
	addr, _, led := harness.StartLedgerEnv(t, bins, env)
	app := startWebApp(t)
	t.Cleanup(func() { app.checkAgreement(t) })

	// Without the http: entry plain http:// is refused at creation.
	refused := &ledgerv1.Subscription{Name: "http-refused", Target: app.URL + "/ok",
		Secrets: []*ledgerv1.SigningSecret{{Secret: webSecretNew}}}
	_, defaultLedger, defaultClient := harness.StartLedger(t, bins)
	if _, err := defaultClient.CreateSubscription(ctxT(t, 10*time.Second), &ledgerv1.CreateSubscriptionRequest{Subscription: refused}); err == nil ||
		!strings.Contains(err.Error(), "may not receive plain http://") {
		t.Errorf("plain http:// under the default allow list: %v, want a refusal", err)
	}
	defaultLedger.Stop()

	rotating := []*ledgerv1.SigningSecret{
		{Secret: webSecretOld, ExpiresAt: timestamppb.New(time.Now().Add(time.Hour))},
		{Secret: webSecretNew},
	}
	current := []*ledgerv1.SigningSecret{{Secret: webSecretNew}}
	fast := &ledgerv1.RetryPolicy{Downstream: &ledgerv1.ClassPolicy{MaxAttempts: 5, Delay: durationpb.New(200 * time.Millisecond), MaxDelay: durationpb.New(time.Second)}}
	for _, s := range []*ledgerv1.Subscription{
		{Name: "http-ok", Platforms: []string{"stripe"}, Target: app.URL + "/ok", Secrets: rotating},
		{Name: "http-raw", Platforms: []string{"github"}, Target: app.URL + "/raw", Secrets: current, Payload: ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW},
		{Name: "http-flaky", Platforms: []string{"shopify"}, Target: app.URL + "/flaky", Secrets: current, RetryPolicy: fast},
		{Name: "http-bad", Platforms: []string{"slack"}, Target: app.URL + "/bad", Secrets: current},
	} {
		s.Timeout = durationpb.New(5 * time.Second)
		subscribe(t, led, s)
	}
	admin := harness.FreeAddr(t)
	harness.StartDispatcher(t, bins, "web-d1", addr, map[string]string{
		"HOOKMESH_TARGET_ALLOW": allow, "HOOKMESH_DISPATCHER_POLL": "100ms",
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": admin,
	})
	const n = 3
	for i := range n {
		for _, platform := range []string{"stripe", "github", "shopify", "slack"} {
			record(t, led, platform, fmt.Sprintf("evt_web_%s_%d", platform, i))
		}
	}
	delivered := ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED
	for i := range n {
		// Normalized, signed by both secrets of the rotation.
		id := fmt.Sprintf("evt_web_stripe_%d", i)
		d := waitState(t, led, "stripe", id, delivered, 60*time.Second)
		posts := app.received(d.GetDeliveryId())
		if len(posts) != 1 || posts[0].verified != [2]bool{true, true} {
			t.Errorf("%s: %d posts, verified %v; want one, verified by each secret alone", id, len(posts), posts)
			continue
		}
		p := posts[0]
		if p.header.Get("Content-Type") != "application/json" || !strings.Contains(p.body, `"event_id":"`+id+`"`) ||
			!strings.Contains(p.body, `"minor_units":"1999"`) {
			t.Errorf("%s: %s %s; want the normalized event with proto field names", id, p.header.Get("Content-Type"), p.body)
		}
		// Raw: the receipt's body exactly.
		id = fmt.Sprintf("evt_web_github_%d", i)
		d = waitState(t, led, "github", id, delivered, 60*time.Second)
		if posts := app.received(d.GetDeliveryId()); len(posts) != 1 || posts[0].body != `{"id":"`+id+`"}` || !posts[0].verified[1] {
			t.Errorf("%s: %v; want the raw body, verified", id, posts)
		}
		// 500, 500, then 200: delivered on the third attempt, each failure
		// in the history with its HTTP status.
		id = fmt.Sprintf("evt_web_shopify_%d", i)
		d = waitState(t, led, "shopify", id, delivered, 60*time.Second)
		if posts := app.received(d.GetDeliveryId()); len(posts) != 3 {
			t.Errorf("%s: %d posts, want 3 (500, 500, 200)", id, len(posts))
		}
		failed := 0
		for _, h := range d.GetHistory() {
			if h.GetErrorClass() == ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM && strings.HasPrefix(h.GetError(), "HTTP 500 Internal Server Error: try again") {
				failed++
			}
		}
		if failed != 2 {
			t.Errorf("%s: history %v; want two downstream entries naming HTTP 500", id, d.GetHistory())
		}
		// 400: a dead letter after one attempt.
		id = fmt.Sprintf("evt_web_slack_%d", i)
		d = waitState(t, led, "slack", id, ledgerv1.DeliveryState_DELIVERY_STATE_DEAD, 60*time.Second)
		if posts := app.received(d.GetDeliveryId()); len(posts) != 1 || !strings.Contains(d.GetLastError(), "HTTP 400 Bad Request: unknown field amount_cents") {
			t.Errorf("%s: %d posts, last error %q; want one post and the 400 in last_error", id, len(posts), d.GetLastError())
		}
	}
	metrics := scrape(t, "http://"+admin+"/metrics")
	for _, want := range []string{
		fmt.Sprintf(`hookmesh_http_deliveries_total{code="200",subscription="http-flaky"} %d`, n),
		fmt.Sprintf(`hookmesh_http_deliveries_total{code="500",subscription="http-flaky"} %d`, 2*n),
		fmt.Sprintf(`hookmesh_http_deliveries_total{code="400",subscription="http-bad"} %d`, n),
		fmt.Sprintf(`hookmesh_deliveries_total{outcome="dead_lettered",subscription="http-bad"} %d`, n),
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t, 10*time.Second), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
