package normalizer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/sources"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	lookup := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	cfg, err := ConfigFromEnv(lookup(nil))
	if err != nil || cfg.GRPCAddr != "127.0.0.1:9091" {
		t.Errorf("default: %+v, %v; want 127.0.0.1:9091 (loopback until internal auth is configured)", cfg, err)
	}
	cfg, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_NORMALIZER_GRPC_ADDR": "127.0.0.1:7000"}))
	if err != nil || cfg.GRPCAddr != "127.0.0.1:7000" {
		t.Errorf("set: %+v, %v", cfg, err)
	}
	_, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_NORMALIZER_GRPC_ADDR": "9091"}))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_NORMALIZER_GRPC_ADDR") {
		t.Errorf("bad addr: err = %v, want one naming the variable", err)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "sources.yaml")
	if err := os.WriteFile(good, []byte(sourcesYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_SOURCES_FILE": good}))
	if err != nil || len(cfg.Sources) != 1 || cfg.Sources[0].Name != "acme" || cfg.Sources[0].Normalize.TypePath != "kind" {
		t.Errorf("sources file: %+v, %v", cfg.Sources, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(sourcesYAML, "EVENT_TYPE_PAYMENT_COMPLETED", "PAID", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.yaml")} {
		_, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_SOURCES_FILE": path}))
		if err == nil || !strings.Contains(err.Error(), "HOOKMESH_SOURCES_FILE") {
			t.Errorf("%s: err = %v, want one naming the variable", path, err)
		}
	}
}

// sourcesYAML defines one platform in configuration only.
const sourcesYAML = `sources:
  - name: acme
    signature: {header: X-Acme-Signature, algorithm: hmac-sha256, encoding: hex, prefix: "sha256="}
    dedup: {header: X-Acme-Event-Id}
    normalize:
      type_path: kind
      types: {charge.paid: EVENT_TYPE_PAYMENT_COMPLETED}
      entity_type: charge
      entity_id_path: charge.id
      amount_path: charge.total
      currency_path: charge.currency
      amount_format: decimal
`

// TestRunConfiguredSource serves a platform defined only in configuration.
func TestRunConfiguredSource(t *testing.T) {
	t.Parallel()
	srcs, err := sources.Parse("test", []byte(sourcesYAML))
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{GRPCListener: lis, Sources: srcs}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	resp, err := normalizerv1.NewNormalizerServiceClient(conn).Normalize(cctx, &normalizerv1.NormalizeRequest{
		Platform: "acme",
		Headers:  map[string]string{"x-acme-event-id": "d-1"},
		Body:     []byte(`{"kind":"charge.paid","charge":{"id":"c-9","total":"0.29","currency":"usd"}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	ev := resp.GetEvent()
	if ev.GetEventId() != "d-1" || ev.GetEntityId() != "c-9" || ev.GetAmount().GetMinorUnits() != 29 || ev.GetAmount().GetCurrency() != "USD" ||
		ev.GetEventType() != eventv1.EventType_EVENT_TYPE_PAYMENT_COMPLETED {
		t.Errorf("event = %v", ev)
	}
}

// TestRun serves on a real listener, answers a Normalize and a health
// check, and returns nil once ctx is cancelled.
func TestRun(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{GRPCListener: lis}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	hc, err := healthpb.NewHealthClient(conn).Check(cctx, &healthpb.HealthCheckRequest{Service: normalizerv1.NormalizerService_ServiceDesc.ServiceName})
	if err != nil || hc.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v; want SERVING", hc, err)
	}
	resp, err := normalizerv1.NewNormalizerServiceClient(conn).Normalize(cctx, &normalizerv1.NormalizeRequest{
		Platform: "standard",
		Headers:  map[string]string{"webhook-id": "msg_1", "webhook-timestamp": "1709910246"},
		Body:     []byte(`{"type":"user.created","data":{"id":"user_1"}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetEvent().GetEventId() != "msg_1" || resp.GetEvent().GetUserId() != "user_1" {
		t.Errorf("event = %v", resp.GetEvent())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
