package e2e

import (
	"bufio"
	"context"
	"io"
	nethttp "net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/tests/harness"
)

// presets are the platforms hookmesh ships verification and samples for.
var presets = []string{"stripe", "github", "shopify", "slack", "standard", "gitlab", "bitbucket", "paddle", "linear",
	"intercom", "zendesk", "hubspot", "square", "twilio", "twitch", "discord", "sendgrid", "mailgun", "svix", "clerk",
	"resend", "adyen"}

// TestHookmeshRunEmbedded is the first-run path: `hookmesh run` with no
// DATABASE_URL, `hookmesh send` for every preset, and the events still
// listed after a restart.
func TestHookmeshRunEmbedded(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "hookmesh")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/hookmesh/hookmesh/services/hookmesh/cmd/hookmesh").CombinedOutput(); err != nil {
		t.Fatalf("build hookmesh: %v\n%s", err, out)
	}
	http, admin, ledger := harness.FreeAddr(t), harness.FreeAddr(t), harness.FreeAddr(t)
	env := map[string]string{
		"DATABASE_URL":                  "",
		"HOOKMESH_DATA_DIR":             filepath.Join(dir, "data"),
		"HOOKMESH_HTTP_ADDR":            http,
		"HOOKMESH_ADMIN_ADDR":           admin,
		"HOOKMESH_EDGE_GRPC_ADDR":       harness.FreeAddr(t),
		"HOOKMESH_NORMALIZER_GRPC_ADDR": "127.0.0.1:0",
		"HOOKMESH_LEDGER_GRPC_ADDR":     ledger,
		"HOOKMESH_DISPATCHER_GRPC_ADDR": harness.FreeAddr(t),
		"HOOKMESH_CONSUMER_GRPC_ADDR":   harness.FreeAddr(t),
		// Every listener on a free port, so the test runs beside a system.
		"HOOKMESH_NORMALIZER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_LEDGER_ADMIN_ADDR":     harness.FreeAddr(t),
		"HOOKMESH_DISPATCHER_ADMIN_ADDR": harness.FreeAddr(t),
		"HOOKMESH_LEDGER_TARGET":         ledger,
		"HOOKMESH_EDGE_URL":              "http://" + http,
	}
	norm := harness.FreeAddr(t)
	env["HOOKMESH_NORMALIZER_GRPC_ADDR"], env["HOOKMESH_NORMALIZER_TARGET"] = norm, norm
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOOKMESH_SECRET_") {
			k, _, _ := strings.Cut(kv, "=")
			env[k] = "" // development secrets only
		}
	}
	run := harness.StartArgs(t, "hookmesh run", bin, []string{"run"}, env)
	waitReady(t, "http://"+http+"/ready")

	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("hookmesh %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	for _, p := range presets {
		if out := cli("send", p); !strings.Contains(out, "202 Accepted") {
			t.Errorf("send %s: %s", p, out)
		}
	}
	listed := func() map[string]bool {
		seen := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(cli("events", "list", "--limit", "100")))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 2 {
				seen[f[2]] = true
			}
		}
		return seen
	}
	before := listed()
	for _, p := range presets {
		if !before[p] {
			t.Errorf("no %s event listed after send", p)
		}
	}

	// One process: the edge's admin listener shows every service's metrics,
	// with values from the traffic above (deliveries are asynchronous: poll).
	want := []string{
		`hookmesh_webhook_requests_total{platform="stripe",status="202"}`,
		`hookmesh_webhook_ack_duration_seconds_count{platform="stripe"}`,
		`hookmesh_ledger_record_duration_seconds_count`,
		`hookmesh_pending_deliveries`,
		`hookmesh_dead_letters`,
		`hookmesh_deliveries_total{outcome="delivered",subscription="example-consumer"}`,
		`hookmesh_delivery_duration_seconds_count{subscription="example-consumer"}`,
		`hookmesh_breaker_state{target=`,
		`hookmesh_normalizer_requests_total`,
	}
	deadline := time.Now().Add(20 * time.Second)
	var missing []string
	for {
		resp, err := nethttp.Get("http://" + admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing = missing[:0]
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("localhost admin /metrics lacks %v", missing)
	}

	t.Run("listen forwards and resumes", func(t *testing.T) { checkListen(t, bin, env) })
	t.Run("the admin event stream, in process", func(t *testing.T) {
		// The edge reads WatchEvents over the in-process channel here.
		got := watchSSE(t, &harness.System{AdminAddr: admin}, "platform=stripe&start_time=2000-01-01T00:00:00Z", "",
			func(events []sseEvent) bool { return len(events) >= 1 })
		if got[0].msg.GetEvent().GetPlatform() != "stripe" {
			t.Errorf("first event %v", got[0].msg)
		}
	})

	run.Stop()
	run.Restart(t)
	waitReady(t, "http://"+http+"/ready")
	after := listed()
	for _, p := range presets {
		if !after[p] {
			t.Errorf("%s event lost across a restart of the embedded store", p)
		}
	}
}

func waitReady(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := harness.WaitHTTP(ctx, url, 200); err != nil {
		t.Fatal(err)
	}
}
