package grpcclient

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
)

// startHealth serves gRPC health on a free loopback port.
func startHealth(t *testing.T) (addr string, stop func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return lis.Addr().String(), s.Stop
}

// TestListTargetSpreadsCallsAndSkipsADeadReplica: a target listing two
// replicas sends calls to both, and once one is gone every call reaches
// the other (the replica test's "kill one of each", in small).
func TestListTargetSpreadsCallsAndSkipsADeadReplica(t *testing.T) {
	a, stopA := startHealth(t)
	b, _ := startHealth(t)
	conn, err := New(a+", "+b, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if got := Target(conn); !strings.Contains(got, a) || !strings.Contains(got, b) {
		t.Errorf("Target = %q, want both addresses named", got)
	}
	client := healthpb.NewHealthClient(conn)
	call := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var p peer.Peer
		_, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p), grpc.WaitForReady(true))
		if err != nil {
			return "", err
		}
		return p.Addr.String(), nil
	}
	// Both answer: a bound for a busy machine, not a timing claim (a
	// single-address resolution never reaches b).
	seen := map[string]bool{}
	for deadline := time.Now().Add(time.Minute); len(seen) < 2; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a minute of calls reached only %v of [%s %s]", seen, a, b)
		}
		addr, err := call()
		if err != nil {
			t.Fatal(err)
		}
		seen[addr] = true
	}
	stopA()
	// Calls in flight on a's connection when it closed may fail; after
	// that, every call goes to b.
	var lastErr error
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("a minute after stopping %s, calls still fail: %v", a, lastErr)
		}
		if addr, err := call(); err == nil && addr == b {
			break
		} else {
			lastErr = err
		}
	}
	for range 20 {
		addr, err := call()
		if err != nil || addr != b {
			t.Fatalf("with %s stopped, a call reached %q (err %v), want %s", a, addr, err, b)
		}
	}
}

func TestListTargetRefusesAMalformedEntry(t *testing.T) {
	for _, target := range []string{"127.0.0.1:9092,ledger", "127.0.0.1:9092,", ",127.0.0.1:9092", "127.0.0.1:9092,:9093"} {
		if _, err := New(target, grpc.WithTransportCredentials(insecure.NewCredentials())); err == nil ||
			!strings.Contains(err.Error(), "host:port") {
			t.Errorf("New(%q) = %v, want an error naming host:port", target, err)
		}
	}
	// A URL target is gRPC's to parse, commas and all.
	if _, _, ok, err := listTarget("dns:///a:1,b:2"); ok || err != nil {
		t.Errorf("listTarget(dns URL) = %v, %v; want it left to gRPC", ok, err)
	}
}
