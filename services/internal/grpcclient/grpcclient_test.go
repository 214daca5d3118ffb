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
//
// round_robin only picks subchannels that are READY, and on a busy machine
// the second one can connect well after the first: so the test first calls
// until both servers have answered (a generous bound, not a timing claim:
// pick_first never reaches the second and fails here), and then, with both
// ready, checks that the next calls alternate between them.
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
	call := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var p peer.Peer
		if _, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p), grpc.WaitForReady(true)); err != nil {
			t.Fatal(err)
		}
		return p.Addr.String()
	}
	seen := map[string]int{}
	for deadline := time.Now().Add(time.Minute); len(seen) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("calls for a minute reached only %v of %v: calls are not balanced", seen, addrs)
		}
		seen[call()]++
		time.Sleep(10 * time.Millisecond)
	}
	got := map[string]int{}
	for range 10 {
		got[call()]++
	}
	for _, a := range addrs {
		if got[a.Addr] < 3 {
			t.Errorf("with both servers ready, %s got %d of 10 calls (%v); round_robin alternates", a.Addr, got[a.Addr], got)
		}
	}
	for i, s := range servers {
		s.mu.Lock()
		n := s.calls
		s.mu.Unlock()
		if n == 0 {
			t.Errorf("server %d (%s) counted no call", i, addrs[i].Addr)
		}
	}
}
