package dispatch

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/webhook"
	"github.com/hookmesh/hookmesh/services/internal/target"
)

// Secrets of the Standard Webhooks form (whsec_ and base64 of 24+ bytes).
const (
	webSecretOld = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	webSecretNew = "whsec_cm90YXRlZCBzZWNyZXQgZm9yIHRlc3RzIG9ubHk="
)

func webLease(id, url string, secrets ...*ledgerv1.SigningSecret) *ledgerv1.Lease {
	l := lease(id, 0)
	l.Delivery.Subscription = "web"
	l.Subscription = &ledgerv1.Subscription{Name: "web", Target: url, Timeout: durationpb.New(5 * time.Second), Secrets: secrets}
	l.Payload = []byte(`{"id":"evt_` + id + `"}`)
	return l
}

// TestWebDeliveries: a lease whose target is a URL is POSTed, signed by
// each active secret, and its answer decides the outcome as a handler's
// code would; a delivery with no active secret is dead-lettered without a
// request.
func TestWebDeliveries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]http.Header{}
	bodies := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[r.Header.Get("webhook-id")] = r.Header.Clone()
		bodies[r.Header.Get("webhook-id")] = string(b)
		mu.Unlock()
		switch r.URL.Path {
		case "/fail":
			http.Error(w, "database down", http.StatusInternalServerError)
		case "/bad":
			http.Error(w, "unknown field", http.StatusBadRequest)
		case "/busy":
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	p, err := target.ParsePolicy("http:loopback")
	if err != nil {
		t.Fatal(err)
	}
	expired := &ledgerv1.SigningSecret{Id: "sec_old", Secret: webSecretOld, ExpiresAt: timestamppb.New(time.Now().Add(-time.Minute))}
	rotating := &ledgerv1.SigningSecret{Id: "sec_old", Secret: webSecretOld, ExpiresAt: timestamppb.New(time.Now().Add(time.Hour))}
	current := &ledgerv1.SigningSecret{Id: "sec_new", Secret: webSecretNew}
	raw := webLease("raw", srv.URL+"/ok", current)
	raw.Subscription.Payload = ledgerv1.PayloadFormat_PAYLOAD_FORMAT_RAW
	led := &fakeLedger{outcomes: make(chan any, 10), queue: []*ledgerv1.Lease{
		webLease("ok", srv.URL+"/ok", rotating, current),
		raw,
		webLease("fail", srv.URL+"/fail", current),
		webLease("bad", srv.URL+"/bad", current),
		webLease("busy", srv.URL+"/busy", current),
		webLease("unsigned", srv.URL+"/ok", expired),
	}}
	reg := prometheus.NewRegistry()
	metrics := NewMetrics(reg)
	web := webhook.New(webhook.Options{Policy: p})
	defer web.Close()
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: handlers{}, Web: web, Metrics: metrics,
		Breakers: breaker.New(breaker.Settings{Failures: 100, OpenFor: time.Minute}),
		Capacity: 8, ClaimBatch: 8, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: time.Second, Jitter: func(d time.Duration) time.Duration { return d },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	got := map[string]any{}
	for range 6 {
		switch o := next(t, led).(type) {
		case *ledgerv1.CompleteDeliveryRequest:
			got[o.GetDeliveryId()] = o
		case *ledgerv1.RetryDeliveryRequest:
			got[o.GetDeliveryId()] = o
		case *ledgerv1.DeadLetterDeliveryRequest:
			got[o.GetDeliveryId()] = o
		}
	}
	for _, id := range []string{"ok", "raw"} {
		if _, ok := got[id].(*ledgerv1.CompleteDeliveryRequest); !ok {
			t.Errorf("%s: %v, want completed", id, got[id])
		}
	}
	if r, ok := got["fail"].(*ledgerv1.RetryDeliveryRequest); !ok || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_DOWNSTREAM ||
		!r.GetCountAttempt() || r.GetCode() != "Internal" || r.GetError() != "HTTP 500 Internal Server Error: database down" {
		t.Errorf("500: %v, want a counted downstream retry naming the status and the body", got["fail"])
	}
	if r, ok := got["busy"].(*ledgerv1.RetryDeliveryRequest); !ok || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_THROTTLED ||
		time.Until(r.GetNextAttemptAt().AsTime()) < 25*time.Second {
		t.Errorf("429 with Retry-After 30: %v, want a throttled retry about 30 s later", got["busy"])
	}
	if r, ok := got["bad"].(*ledgerv1.DeadLetterDeliveryRequest); !ok || r.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_VALIDATION ||
		!strings.Contains(r.GetError(), "HTTP 400 Bad Request: unknown field") {
		t.Errorf("400: %v, want a validation dead letter", got["bad"])
	}
	if r, ok := got["unsigned"].(*ledgerv1.DeadLetterDeliveryRequest); !ok || !strings.Contains(r.GetError(), "no active signing secret") {
		t.Errorf("expired secret: %v, want a dead letter saying why", got["unsigned"])
	}
	mu.Lock()
	defer mu.Unlock()
	if _, sent := seen["unsigned"]; sent {
		t.Error("a delivery without an active secret was sent")
	}
	// Rotation: both secrets sign; each verifies alone.
	h := seen["ok"]
	sigs := strings.Fields(h.Get("webhook-signature"))
	if len(sigs) != 2 {
		t.Fatalf("webhook-signature %q: want the rotating and the current secret", h.Get("webhook-signature"))
	}
	for i, secret := range []string{webSecretOld, webSecretNew} {
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + bodies["ok"]))
		if sigs[i] != "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			t.Errorf("signature %d does not verify under %s", i, secret)
		}
	}
	if !strings.Contains(bodies["ok"], `"event_id":"evt_ok"`) || bodies["raw"] != `{"id":"evt_raw"}` {
		t.Errorf("bodies: normalized %s, raw %s", bodies["ok"], bodies["raw"])
	}
	for code, want := range map[string]float64{"200": 2, "500": 1, "400": 1, "429": 1} {
		if n := testutil.ToFloat64(metrics.answers.WithLabelValues("web", code)); n != want {
			t.Errorf("hookmesh_http_deliveries_total{code=%q} = %v, want %v", code, n, want)
		}
	}
}

// TestWebBreaker: an HTTP destination answering 503 goes through its
// target's breaker like an unavailable gRPC handler: the failures count,
// the one that trips it is deferred uncounted, and while it is open the
// destination's deliveries are not even claimed.
func TestWebBreaker(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	p, err := target.ParsePolicy("http:loopback")
	if err != nil {
		t.Fatal(err)
	}
	web := webhook.New(webhook.Options{Policy: p})
	defer web.Close()
	current := &ledgerv1.SigningSecret{Id: "sec_new", Secret: webSecretNew}
	led := &fakeLedger{outcomes: make(chan any, 10), queue: []*ledgerv1.Lease{
		webLease("1", srv.URL, current), webLease("2", srv.URL, current), webLease("3", srv.URL, current),
	}}
	set := breaker.New(breaker.Settings{Failures: 2, OpenFor: time.Hour, Counts: func(err error) bool {
		return retry.Classify(status.Code(err)) == ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
	}})
	d := New(Options{
		ID: "d1", Ledger: led, Handlers: handlers{}, Web: web, Breakers: set,
		Capacity: 1, ClaimBatch: 1, LeaseDuration: time.Minute, PollInterval: 20 * time.Millisecond,
		DrainTimeout: time.Second, Jitter: func(d time.Duration) time.Duration { return d },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	first, ok := next(t, led).(*ledgerv1.RetryDeliveryRequest)
	if !ok || first.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_NETWORK || !first.GetCountAttempt() ||
		first.GetError() != "HTTP 503 Service Unavailable: maintenance" {
		t.Fatalf("first 503: %v, want a counted network retry", first)
	}
	second, ok := next(t, led).(*ledgerv1.RetryDeliveryRequest)
	if !ok || second.GetErrorClass() != ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN || second.GetCountAttempt() || second.GetCode() != "Unavailable" {
		t.Fatalf("second 503: %v, want the breaker's uncounted deferral", second)
	}
	// The third lease waits in the ledger: the next claims skip the
	// target. A few poll periods of claims show it.
	for deadline := time.Now().Add(30 * time.Second); len(led.claimLog()) < 5; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d claims", len(led.claimLog()))
		}
	}
	select {
	case o := <-led.outcomes:
		t.Fatalf("an outcome while the breaker is open: %v", o)
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("%d requests, want 2 (none while the breaker is open)", calls)
	}
	if skip := led.claimLog()[len(led.claimLog())-1].GetSkipTargets(); len(skip) != 1 || skip[0] != srv.URL {
		t.Errorf("last claim skipped %v, want the destination's URL", skip)
	}
}

// claimLog returns a copy of the claims made so far.
func (f *fakeLedger) claimLog() []*ledgerv1.ClaimDeliveriesRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ledgerv1.ClaimDeliveriesRequest(nil), f.claims...)
}
