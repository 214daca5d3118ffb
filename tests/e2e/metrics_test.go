package e2e

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/tests/harness"
)

const e2eAdminToken = "e2e-admin-token"

// adminGet GETs url with the bearer token (none when token is empty).
func adminGet(t *testing.T, url, token string) (int, string) {
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
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(readAll(resp))
}

// sample returns the value of one series ("name" or `name{a="x",b="y"}`,
// labels in the alphabetical order Prometheus writes them) in an
// exposition, and whether it is there.
func sample(text, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return f, err == nil
		}
	}
	return 0, false
}

// scrape reads a service's /metrics with the token.
func scrape(t *testing.T, sys *harness.System, service string) string {
	t.Helper()
	code, text := adminGet(t, "http://"+sys.Admin[service]+"/metrics", e2eAdminToken)
	if code != http.StatusOK {
		t.Fatalf("%s /metrics = %d: %s", service, code, text)
	}
	return text
}

// waitSample polls a service's /metrics until series reaches at least min.
func waitSample(t *testing.T, sys *harness.System, service, series string, min float64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		text := scrape(t, sys, service)
		if v, ok := sample(text, series); ok && v >= min {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s did not reach %v within %v:\n%s", service, series, min, within, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMetricsAndAdminToken is the done-when on the real binaries:
// after traffic, the edge's /metrics on its admin listener shows every edge
// metric with real values, the normalizer's, ledger's and dispatcher's
// /metrics show theirs, and HOOKMESH_ADMIN_TOKEN guards the admin plane.
func TestMetricsAndAdminToken(t *testing.T) {
	env := systemEnv()
	env["HOOKMESH_ADMIN_TOKEN"] = e2eAdminToken
	sys := harness.StartSystem(t, env)

	// The token guard on the edge's admin REST (forwarded to the ledger,
	// which checks it too) and on /metrics; probes stay open.
	for _, path := range []string{"/v1/events", "/metrics"} {
		if code, body := adminGet(t, "http://"+sys.AdminAddr+path, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token = %d %s, want 401", path, code, body)
		}
		if code, body := adminGet(t, "http://"+sys.AdminAddr+path, e2eAdminToken); code != http.StatusOK {
			t.Errorf("GET %s with the token = %d %s, want 200", path, code, body)
		}
	}
	for name, addr := range sys.Admin {
		if code, body := adminGet(t, "http://"+addr+"/health", ""); code != http.StatusOK {
			t.Errorf("%s /health = %d %s, want 200 without a token", name, code, body)
		}
		// Ready once its dependencies answer: a dispatcher that dialed the
		// ledger before it listened waits for its reconnect.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := harness.WaitHTTP(ctx, "http://"+addr+"/ready", http.StatusOK); err != nil {
			t.Errorf("%s /ready without a token: %v", name, err)
		}
		cancel()
		if code, _ := adminGet(t, "http://"+addr+"/debug/pprof/", ""); code != http.StatusUnauthorized {
			t.Errorf("%s /debug/pprof/ without the token = %d, want 401", name, code)
		}
	}

	// Traffic: two payments (one sent twice), a forged signature, a
	// payload without its event id nor data (rejected by the normalizer).
	for _, id := range []string{"evt_metrics_1", "evt_metrics_2", "evt_metrics_1"} {
		body := stripePayment(id, "pi_"+id, 1200)
		if resp, b := post(t, sys, "stripe", stripeHeader(t, body), body); resp.StatusCode != http.StatusAccepted {
			t.Fatalf("POST %s = %s %s", id, resp.Status, b)
		}
	}
	forged := stripePayment("evt_metrics_forged", "pi_forged", 1)
	h := stripeHeader(t, forged)
	h.Set("Stripe-Signature", "t=1,v1=00")
	if resp, _ := post(t, sys, "stripe", h, forged); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged POST = %s, want 401", resp.Status)
	}
	noID := `{"object":"event","type":"payment_intent.succeeded"}`
	if resp, b := post(t, sys, "stripe", stripeHeader(t, noID), noID); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST without id = %s %s", resp.Status, b)
	}
	// Two events are delivered to the example consumer.
	waitSample(t, sys, "dispatcher", `hookmesh_deliveries_total{outcome="delivered",subscription="example-consumer"}`, 2, 30*time.Second)

	// A handler outage: the next delivery fails with UNAVAILABLE and is
	// retried (network class) until the consumer is back.
	consumer := sys.Procs["consumer"]
	consumer.Stop()
	body := stripePayment("evt_metrics_3", "pi_evt_metrics_3", 700)
	if resp, b := post(t, sys, "stripe", stripeHeader(t, body), body); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST during the outage = %s %s", resp.Status, b)
	}
	waitSample(t, sys, "dispatcher", `hookmesh_delivery_retries_total{class="network",subscription="example-consumer"}`, 1, 30*time.Second)
	waitSample(t, sys, "ledger", "hookmesh_pending_deliveries", 1, 10*time.Second)
	consumer.Restart(t)
	waitSample(t, sys, "dispatcher", `hookmesh_deliveries_total{outcome="delivered",subscription="example-consumer"}`, 3, 60*time.Second)

	checks := map[string][]struct {
		series string
		min    float64 // the value must be at least min (0: present)
	}{
		"edge": {
			{`hookmesh_webhook_requests_total{platform="stripe",status="202"}`, 5},
			{`hookmesh_webhook_requests_total{platform="stripe",status="401"}`, 1},
			{`hookmesh_webhook_ack_duration_seconds_count{platform="stripe"}`, 5},
			{`hookmesh_webhook_ack_duration_seconds_sum{platform="stripe"}`, 1e-9},
			{`hookmesh_normalization_failures_total{platform="stripe",reason="rejected"}`, 1}, // no data.object
			{`hookmesh_edge_ledger_record_duration_seconds_count{outcome="created"}`, 4},
			{`hookmesh_edge_ledger_record_duration_seconds_count{outcome="duplicate"}`, 1},
			{`hookmesh_edge_webhooks_in_flight`, 0},
		},
		"normalizer": {
			{`hookmesh_normalizer_requests_total{outcome="mapped",platform="stripe"}`, 4},
			{`hookmesh_normalizer_duration_seconds_count{platform="stripe"}`, 5},
		},
		"ledger": {
			{`hookmesh_ledger_record_duration_seconds_count{outcome="created"}`, 4},
			{`hookmesh_ledger_record_duration_seconds_count{outcome="duplicate"}`, 1},
			{`hookmesh_pending_deliveries`, 0},
			{`hookmesh_dead_letters`, 0},
		},
		"dispatcher": {
			{`hookmesh_deliveries_total{outcome="delivered",subscription="example-consumer"}`, 3},
			{`hookmesh_deliveries_total{outcome="retried",subscription="example-consumer"}`, 1},
			{`hookmesh_delivery_retries_total{class="network",subscription="example-consumer"}`, 1},
			{`hookmesh_delivery_duration_seconds_count{subscription="example-consumer"}`, 4},
			{`hookmesh_breaker_state{target="` + sys.GRPC["consumer"] + `"}`, 0},
		},
	}
	for service, want := range checks {
		text := scrape(t, sys, service)
		for _, w := range want {
			if v, ok := sample(text, w.series); !ok || v < w.min {
				t.Errorf("%s /metrics: %s = %v (present %v), want at least %v", service, w.series, v, ok, w.min)
			}
		}
		if strings.Contains(text, "evt_metrics") {
			t.Errorf("%s /metrics carries an event id as a label value", service)
		}
	}
	if v, _ := sample(scrape(t, sys, "ledger"), "hookmesh_pending_deliveries"); v != 0 {
		t.Errorf("hookmesh_pending_deliveries = %v after every delivery was made, want 0", v)
	}
}
