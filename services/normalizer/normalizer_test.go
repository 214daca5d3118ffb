package normalizer

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
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
	if err != nil || cfg.GRPCAddr != ":9091" {
		t.Errorf("default: %+v, %v; want :9091", cfg, err)
	}
	cfg, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_NORMALIZER_GRPC_ADDR": "127.0.0.1:7000"}))
	if err != nil || cfg.GRPCAddr != "127.0.0.1:7000" {
		t.Errorf("set: %+v, %v", cfg, err)
	}
	_, err = ConfigFromEnv(lookup(map[string]string{"HOOKMESH_NORMALIZER_GRPC_ADDR": "9091"}))
	if err == nil || !strings.Contains(err.Error(), "HOOKMESH_NORMALIZER_GRPC_ADDR") {
		t.Errorf("bad addr: err = %v, want one naming the variable", err)
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
