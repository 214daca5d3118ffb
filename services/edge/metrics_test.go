package edge

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/edge/internal/httpapi"
	"github.com/hookmesh/hookmesh/services/edge/internal/ingest/ingesttest"
	"github.com/hookmesh/hookmesh/services/edge/verify"
	"github.com/hookmesh/hookmesh/services/internal/admin"
)

// ListEvents answers an empty page, for the admin REST tests.
func (s *fakeLedger) ListEvents(context.Context, *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error) {
	return &ledgerv1.ListEventsResponse{}, nil
}

func postWebhook(t *testing.T, e *runningEdge, platform string, h http.Header, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.URL+"/webhooks/"+platform, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func getWith(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetricsAfterTraffic sends accepted, duplicate, unsigned, unknown and
// unkeyable webhooks through the real Run and reads /metrics on the admin
// listener: each edge metric shows exactly that traffic.
func TestMetricsAfterTraffic(t *testing.T) {
	t.Parallel()
	e := startEdge(t, shortTimeouts(t, nil))
	send := func(id string) int {
		h, body := signedStripe(t, id)
		return postWebhook(t, e, "stripe", h, body)
	}
	for _, id := range []string{"evt_m1", "evt_m2", "evt_m1"} { // the second evt_m1 is a duplicate
		if code := send(id); code != http.StatusAccepted {
			t.Fatalf("POST %s = %d, want 202", id, code)
		}
	}
	h, body := signedStripe(t, "evt_m3")
	h.Set("Stripe-Signature", "t=1,v1=00")
	if code := postWebhook(t, e, "stripe", h, body); code != http.StatusUnauthorized {
		t.Fatalf("unsigned POST = %d, want 401", code)
	}
	if code := postWebhook(t, e, "no-such-platform", http.Header{}, "{}"); code != http.StatusNotFound {
		t.Fatalf("unknown platform = %d, want 404", code)
	}
	// Signed, but without the id Stripe always sends: kept, keyed by
	// content, and counted as a normalization failure.
	const noIDBody = `{"type":"charge.succeeded"}`
	noID, err := verify.Sign("stripe", stripeSecret, time.Now(), "", []byte(noIDBody))
	if err != nil {
		t.Fatal(err)
	}
	if code := postWebhook(t, e, "stripe", noID, noIDBody); code != http.StatusAccepted {
		t.Fatalf("POST without id = %d, want 202", code)
	}

	code, text := getWith(t, e.AdminURL+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`hookmesh_webhook_requests_total{platform="stripe",status="202"} 4`,
		`hookmesh_webhook_requests_total{platform="stripe",status="401"} 1`,
		`hookmesh_webhook_requests_total{platform="unknown",status="404"} 1`,
		`hookmesh_webhook_ack_duration_seconds_count{platform="stripe"} 4`,
		`hookmesh_normalization_failures_total{platform="stripe",reason="event_id"} 1`,
		`hookmesh_normalization_failures_total{platform="stripe",reason="rejected"} 0`,
		`hookmesh_edge_ledger_record_duration_seconds_count{outcome="created"} 3`,
		`hookmesh_edge_ledger_record_duration_seconds_count{outcome="duplicate"} 1`,
		`hookmesh_edge_ledger_record_duration_seconds_count{outcome="error"} 0`,
		`hookmesh_edge_webhooks_in_flight 0`,
		`hookmesh_edge_rate_limiter_errors_total 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(text, "no-such-platform") {
		t.Error("an unknown platform's name became a label value: senders could create series at will")
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", text)
	}
}

// TestNormalizerDownCounted: a normalizer that does not answer is a
// failure of reason "unavailable", and the webhook is still accepted.
func TestNormalizerDownCounted(t *testing.T) {
	t.Parallel()
	down := &ingesttest.Normalizer{Err: status.Error(codes.Unavailable, "connection refused")}
	e := startEdgeWith(t, shortTimeouts(t, nil), &fakeDeps{Normalizer: down})
	h, body := signedStripe(t, "evt_n1")
	if code := postWebhook(t, e, "stripe", h, body); code != http.StatusAccepted {
		t.Fatalf("POST = %d, want 202: normalization never decides whether a webhook is kept", code)
	}
	_, text := getWith(t, e.AdminURL+"/metrics", "")
	if want := `hookmesh_normalization_failures_total{platform="stripe",reason="unavailable"} 1`; !strings.Contains(text, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

// TestAdminToken: with HOOKMESH_ADMIN_TOKEN set, the admin listener
// requires it (401 without, 200 with) except on /health and /ready, and
// the REST API forwards the caller's Authorization header to the ledger,
// whose admin methods require the same token.
func TestAdminToken(t *testing.T) {
	t.Parallel()
	const token = "edge-admin-token"
	e := startEdgeWith(t, shortTimeouts(t, map[string]string{admin.TokenVar: token}),
		&fakeDeps{Options: admin.ServerOptions(token)})
	for _, path := range []string{"/v1/events", "/metrics", "/debug/pprof/"} {
		if code, _ := getWith(t, e.AdminURL+path, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token = %d, want 401", path, code)
		}
		if code, _ := getWith(t, e.AdminURL+path, "wrong"); code != http.StatusUnauthorized {
			t.Errorf("GET %s with a wrong token = %d, want 401", path, code)
		}
		// 200 on /v1/events proves the gateway forwarded the header: the
		// fake ledger's interceptor refuses ListEvents without it.
		if code, body := getWith(t, e.AdminURL+path, token); code != http.StatusOK {
			t.Errorf("GET %s with the token = %d %s, want 200", path, code, body)
		}
	}
	// The event stream is behind the same guard.
	for _, tok := range []string{"", "wrong"} {
		if code, _ := getWith(t, e.AdminURL+httpapi.WatchPath, tok); code != http.StatusUnauthorized {
			t.Errorf("GET %s with token %q = %d, want 401", httpapi.WatchPath, tok, code)
		}
	}
	for _, path := range []string{"/health", "/ready"} {
		if code, _ := getWith(t, e.AdminURL+path, ""); code != http.StatusOK {
			t.Errorf("GET %s without the token = %d, want 200", path, code)
		}
	}
}

// TestAdminBindGuard: without a token, an admin address beyond loopback
// stops the edge at start with an error naming the variables.
func TestAdminBindGuard(t *testing.T) {
	t.Parallel()
	cfg := shortTimeouts(t, map[string]string{"HOOKMESH_ADMIN_ADDR": "0.0.0.0:0"})
	cfg.HTTPListener, cfg.GRPCListener = listen(t), listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Run(ctx, cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_ADMIN_ADDR") || !strings.Contains(err.Error(), admin.TokenVar) {
		t.Fatalf("Run = %v, want a refusal naming HOOKMESH_ADMIN_ADDR and %s", err, admin.TokenVar)
	}
}

// TestReadyFollowsDependencies: /ready on both listeners fails while the
// ledger and normalizer report NOT_SERVING, and recovers with them, while
// /health stays 200.
func TestReadyFollowsDependencies(t *testing.T) {
	t.Parallel()
	deps := &fakeDeps{}
	e := startEdgeWith(t, shortTimeouts(t, nil), deps)
	deps.Server.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	for _, url := range []string{e.URL + "/ready", e.AdminURL + "/ready"} {
		if code, body := getWith(t, url, ""); code != http.StatusServiceUnavailable {
			t.Errorf("%s with dependencies down = %d %s, want 503", url, code, body)
		}
	}
	if code, _ := getWith(t, e.AdminURL+"/health", ""); code != http.StatusOK {
		t.Errorf("/health = %d, want 200", code)
	}
	deps.Server.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	if code, _ := getWith(t, e.AdminURL+"/ready", ""); code != http.StatusOK {
		t.Errorf("/ready after recovery = %d, want 200", code)
	}
}
