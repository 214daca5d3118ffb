package ledger

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// TestHealthGate: the service's health is NOT_SERVING from the moment
// Serve starts until the database is connected, and SERVING after, in
// either order of the two events. grpcserver.Serve calls Resume and then
// the gate's serving hook; the order "connected, then serving" is the one
// an embedded store that reopens at once takes.
func TestHealthGate(t *testing.T) {
	const name = "hookmesh.ledger.v1.LedgerService"
	check := func(t *testing.T, h *health.Server, want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for _, svc := range []string{"", name} {
			resp, err := h.Check(context.Background(), &healthpb.HealthCheckRequest{Service: svc})
			if err != nil || resp.GetStatus() != want {
				t.Errorf("health of %q = %v, %v; want %v", svc, resp.GetStatus(), status.Code(err), want)
			}
		}
	}
	start := func(h *health.Server, g *healthGate) {
		h.Resume() // what grpcserver.Serve does before its Starting hook
		g.serving()
	}
	t.Run("serving first", func(t *testing.T) {
		h := health.NewServer()
		g := newHealthGate(h, name)
		start(h, g)
		check(t, h, healthpb.HealthCheckResponse_NOT_SERVING)
		g.ready()
		check(t, h, healthpb.HealthCheckResponse_SERVING)
	})
	t.Run("connected first", func(t *testing.T) {
		h := health.NewServer()
		g := newHealthGate(h, name)
		g.ready()
		if _, err := h.Check(context.Background(), &healthpb.HealthCheckRequest{Service: name}); status.Code(err) != codes.NotFound {
			t.Errorf("health before Serve = %v, want NotFound: nothing is set before Serve starts", err)
		}
		start(h, g)
		check(t, h, healthpb.HealthCheckResponse_SERVING)
	})
}
