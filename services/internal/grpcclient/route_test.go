package grpcclient

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/hookmesh/hookmesh/services/internal/inproc"
)

type mdCreds map[string]string

func (m mdCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return m, nil
}
func (mdCreds) RequireTransportSecurity() bool { return false }

// mdHealth records the incoming metadata of each Check.
type mdHealth struct {
	healthpb.UnimplementedHealthServer
	got chan metadata.MD
}

func (h *mdHealth) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	h.got <- md
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

// TestRouteInProcess: with a channel, Route uses it and every call carries
// the default call options before its own.
func TestRouteInProcess(t *testing.T) {
	t.Parallel()
	h := &mdHealth{got: make(chan metadata.MD, 2)}
	ch := inproc.NewChannel("ledger", nil)
	healthpb.RegisterHealthServer(ch, h)
	if err := ch.Start(nil, nil); err != nil {
		t.Fatal(err)
	}
	defer ch.Stop()
	defaults := make([]grpc.CallOption, 1, 8) // spare capacity a careless append would share
	defaults[0] = grpc.PerRPCCredentials(mdCreds{"hookmesh-internal-token": "edge"})
	conn, closeConn, err := Route(ch, defaults, "unused:9092", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	if got := conn.(interface{ Target() string }).Target(); got != "inprocess:ledger" {
		t.Errorf("Target = %q", got)
	}
	hc := healthpb.NewHealthClient(conn)
	if _, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{}, grpc.PerRPCCredentials(mdCreds{"x-call": "1"})); err != nil {
		t.Fatal(err)
	}
	md := <-h.got
	if md.Get("hookmesh-internal-token")[0] != "edge" || md.Get("x-call")[0] != "1" {
		t.Errorf("metadata %v: want the default token and the call's own", md)
	}
	if _, err := hc.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if md := <-h.got; len(md.Get("x-call")) != 0 {
		t.Errorf("a call's own option stuck to the defaults: %v", md)
	}
}

// TestRouteDials: without a channel, Route dials the target.
func TestRouteDials(t *testing.T) {
	t.Parallel()
	conn, closeConn, err := Route(nil, nil, "127.0.0.1:9", grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	cc, ok := conn.(*grpc.ClientConn)
	if !ok || cc.Target() != "127.0.0.1:9" {
		t.Fatalf("Route = %T %v, want a connection to the target", conn, conn)
	}
	if err := closeConn(); err != nil {
		t.Fatal(err)
	}
}
