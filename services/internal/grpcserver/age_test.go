package grpcserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
)

// TestConnectionAgeMakesClientsResolveAgainAndKeepsStreams: when a
// connection reaches its age the client looks its target up again (which
// is how a scaled-out replica gets calls from clients that connected
// before it existed), its next calls succeed, and a stream opened before
// the age is not cut. The age here is shortened by the same option
// MaxConnectionAge is given with; the default's value is documented, not
// waited for.
func TestConnectionAgeMakesClientsResolveAgainAndKeepsStreams(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const age = 300 * time.Millisecond
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: age}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })

	var resolves atomic.Int32
	r := manual.NewBuilderWithScheme("agetest")
	r.InitialState(resolver.State{Endpoints: []resolver.Endpoint{{Addresses: []resolver.Address{{Addr: lis.Addr().String()}}}}})
	r.ResolveNowCallback = func(resolver.ResolveNowOptions) { resolves.Add(1) }
	conn, err := grpc.NewClient(r.Scheme()+":///ledger", grpc.WithResolvers(r),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	hc := healthpb.NewHealthClient(conn)

	wctx, wcancel := context.WithCancel(context.Background())
	defer wcancel()
	watch, err := hc.Watch(wctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := watch.Recv(); err != nil {
		t.Fatalf("first status of the stream: %v", err)
	}
	recvErr := make(chan error, 1)
	go func() { _, err := watch.Recv(); recvErr <- err }()

	// Calls go on until the client has been asked to resolve again: a
	// bound for a busy machine, not a timing claim.
	for deadline := time.Now().Add(time.Minute); resolves.Load() == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no new lookup a minute into connections aged %s", age)
		}
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := hc.Check(cctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		ccancel()
		if err != nil {
			t.Fatalf("call while connections age: %v", err)
		}
	}
	// Three ages more: a server that cut old connections some time after
	// their age (a MaxConnectionAgeGrace) would have cut the stream's.
	time.Sleep(3 * age)
	// The stream opened on the first connection is still open: the
	// server set its status once and nothing has ended it.
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	select {
	case err := <-recvErr:
		if err != nil {
			t.Fatalf("the stream opened before the age ended: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the stream received nothing a minute after a status change")
	}
}
