package grpcserver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
)

// TestInProcessRunsTheChain: a call through the channel and the same call
// over gRPC meet the same interceptors (the service's Chain inside the
// error mapping and panic recovery) and end with the same status.
func TestInProcessRunsTheChain(t *testing.T) {
	t.Parallel()
	var seen []string
	chain := Chain{Unary: []grpc.UnaryServerInterceptor{
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			seen = append(seen, "first "+strings.Join(md.Get("do"), ""))
			return h(ctx, req)
		},
		func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			switch strings.Join(md.Get("do"), "") {
			case "panic":
				panic("boom")
			case "domain":
				return nil, fmt.Errorf("event x: %w", apperr.ErrNotFound)
			case "deny":
				return nil, status.Error(codes.PermissionDenied, "role edge may not")
			}
			return h(ctx, req)
		},
	}}
	s := NewWithChain(slog.New(slog.NewTextHandler(io.Discard, nil)), chain)
	ch := inproc.NewChannel("test", nil)
	s.ServeInProcess(ch)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitServing(t, ch)

	for _, tc := range []struct {
		do   string
		code codes.Code
		msg  string
	}{
		{"", codes.OK, ""},
		{"domain", codes.NotFound, "event x: not found"},
		{"deny", codes.PermissionDenied, "role edge may not"},
		{"panic", codes.Internal, "internal error (error_id="},
	} {
		for route, cc := range map[string]grpc.ClientConnInterface{"in process": ch, "grpc": conn} {
			seen = nil
			cctx := metadata.AppendToOutgoingContext(context.Background(), "do", tc.do)
			_, err := healthpb.NewHealthClient(cc).Check(cctx, &healthpb.HealthCheckRequest{})
			st := status.Convert(err)
			if st.Code() != tc.code || !strings.HasPrefix(st.Message(), tc.msg) {
				t.Errorf("%s, %q: %v %q, want %v %q", route, tc.do, st.Code(), st.Message(), tc.code, tc.msg)
			}
			if len(seen) != 1 || seen[0] != "first "+tc.do {
				t.Errorf("%s, %q: the first interceptor saw %q", route, tc.do, seen)
			}
		}
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, err = healthpb.NewHealthClient(ch).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("in-process call after Serve returned: %v, want Unavailable", err)
	}
}

// TestStartingRunsBeforeInProcessCalls: no in-process caller sees the
// health Serve set before Starting corrected it.
func TestStartingRunsBeforeInProcessCalls(t *testing.T) {
	t.Parallel()
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.Starting = func() { s.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING) }
	ch := inproc.NewChannel("test", nil)
	s.ServeInProcess(ch)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis) }()
	defer func() { cancel(); <-done }()
	resp := waitServing(t, ch)
	if resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("first in-process health answer %v, want NOT_SERVING (set by Starting)", resp.GetStatus())
	}
}

// waitServing calls Check through ch until the channel has started, and
// returns the first answer.
func waitServing(t *testing.T, ch *inproc.Channel) *healthpb.HealthCheckResponse {
	t.Helper()
	for {
		resp, err := healthpb.NewHealthClient(ch).Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil {
			return resp
		}
		if st := status.Convert(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "not serving yet") {
			t.Fatalf("health through the channel: %v", err)
		}
	}
}
