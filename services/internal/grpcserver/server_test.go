package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

func TestToStatus(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	s := New(slog.New(slog.NewTextHandler(&logs, nil)))
	tests := []struct {
		name     string
		err      error
		want     codes.Code
		wantText string
	}{
		{"domain", fmt.Errorf("event x: %w", apperr.ErrNotFound), codes.NotFound, "event x: not found"},
		{"status passes through", status.Error(codes.Unauthenticated, "bad token"), codes.Unauthenticated, "bad token"},
		{"internal masked", errors.New("pq: password=hunter2"), codes.Internal, "error_id="},
	}
	for _, tt := range tests {
		got := status.Convert(s.toStatus("/m", tt.err))
		if got.Code() != tt.want || !strings.Contains(got.Message(), tt.wantText) {
			t.Errorf("%s: got %v %q, want %v containing %q", tt.name, got.Code(), got.Message(), tt.want, tt.wantText)
		}
		if strings.Contains(got.Message(), "hunter2") {
			t.Errorf("%s: internal detail leaked to caller: %q", tt.name, got.Message())
		}
	}
	if !strings.Contains(logs.String(), "hunter2") {
		t.Error("internal error was not logged for the operator")
	}
}

func TestServeHealthAndShutdown(t *testing.T) {
	t.Parallel()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, lis) }()

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer ccancel()
	resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health check: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("status = %v, want SERVING", resp.GetStatus())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after ctx was cancelled")
	}
}

func TestPanicBecomesInternal(t *testing.T) {
	t.Parallel()
	s := New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	_, err := s.unaryInterceptor(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/x"},
		func(context.Context, any) (any, error) { panic("boom") })
	if status.Code(err) != codes.Internal {
		t.Fatalf("code = %v, want Internal", status.Code(err))
	}
}
