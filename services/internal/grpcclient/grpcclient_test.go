package grpcclient

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// countingHealth answers health checks and counts them per server.
type countingHealth struct {
	*health.Server
	mu    sync.Mutex
	calls int
}

func (c *countingHealth) Check(ctx context.Context, r *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	return c.Server.Check(ctx, r)
}

// TestCallsSpreadOverAddresses: a target resolving to two servers gets
// calls on both (pick_first would send every one to the first).
func TestCallsSpreadOverAddresses(t *testing.T) {
	var addrs []resolver.Address
	var servers []*countingHealth
	for range 2 {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		h := &countingHealth{Server: health.NewServer()}
		s := grpc.NewServer()
		healthpb.RegisterHealthServer(s, h)
		go func() { _ = s.Serve(lis) }()
		t.Cleanup(s.Stop)
		addrs = append(addrs, resolver.Address{Addr: lis.Addr().String()})
		servers = append(servers, h)
	}
	r := manual.NewBuilderWithScheme("test")
	r.InitialState(resolver.State{Addresses: addrs})
	conn, err := New(r.Scheme()+":///ledger", grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithResolvers(r))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := healthpb.NewHealthClient(conn)
	seen := map[string]bool{}
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var p peer.Peer
		_, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p), grpc.WaitForReady(true))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		seen[p.Addr.String()] = true
	}
	for i, s := range servers {
		s.mu.Lock()
		n := s.calls
		s.mu.Unlock()
		if n == 0 {
			t.Errorf("server %d (%s) got no call of 20; calls are not balanced (seen %v)", i, addrs[i].Addr, seen)
		}
	}
}
