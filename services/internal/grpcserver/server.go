// Package grpcserver is the gRPC runtime every hookmesh service shares:
// health and reflection registered, one interceptor that maps domain errors
// to status codes and masks internal ones, panic recovery, and a shutdown
// order (NOT_SERVING, drain, GracefulStop, forced Stop) that callers cannot
// get wrong.
package grpcserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/tracing"
)

// DefaultDrainTimeout bounds GracefulStop before in-flight calls are cut.
const DefaultDrainTimeout = 10 * time.Second

// Server is a grpc.Server with health and reflection.
type Server struct {
	// GRPC is the server services register on before Serve.
	GRPC *grpc.Server
	// Health reports SERVING while Serve runs and NOT_SERVING once shutdown
	// starts, so load balancers stop routing before the drain.
	Health *health.Server

	log          *slog.Logger
	drainTimeout time.Duration
}

// StreamWorkers is the number of goroutines kept to run calls: enough
// for the concurrency a service sees under load (a claim batch, the edge's
// in-flight webhooks), idle ones cost a parked goroutine each.
const StreamWorkers = 64

// New builds a Server. Extra options (TLS, size limits) are appended.
func New(log *slog.Logger, opts ...grpc.ServerOption) *Server {
	s := &Server{log: log, drainTimeout: DefaultDrainTimeout}
	opts = append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		tracing.ServerOption(),
		// Calls run on long-lived workers rather than a new goroutine
		// each: a fresh goroutine grows its stack again on every call
		// (runtime.newstack/copystack were ~10% of the normalizer's and
		// the ledger's CPU at saturation). Calls beyond the workers still
		// get their own goroutine, so nothing waits for a worker.
		grpc.NumStreamWorkers(StreamWorkers),
	}, opts...)
	s.GRPC = grpc.NewServer(opts...)
	s.Health = health.NewServer()
	healthpb.RegisterHealthServer(s.GRPC, s.Health)
	reflection.Register(s.GRPC)
	return s
}

// Serve serves on lis until ctx is done, then shuts down in order: health
// NOT_SERVING, GracefulStop (in-flight calls finish), and a forced Stop if
// draining takes longer than the drain timeout. It returns nil after a
// shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	s.Health.Resume()
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("grpc serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	s.Health.Shutdown()
	stopped := make(chan struct{})
	go func() {
		s.GRPC.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.drainTimeout)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.log.Warn("grpc drain timed out; stopping", slog.Duration("timeout", s.drainTimeout))
		s.GRPC.Stop()
		<-stopped
	}
	<-errc
	return nil
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.internal(info.FullMethod, fmt.Errorf("panic: %v", r))
		}
	}()
	resp, err = handler(ctx, req)
	if err != nil {
		err = s.toStatus(info.FullMethod, err)
	}
	return resp, err
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = s.internal(info.FullMethod, fmt.Errorf("panic: %v", r))
		}
	}()
	if err = handler(srv, ss); err != nil {
		err = s.toStatus(info.FullMethod, err)
	}
	return err
}

// toStatus is the one place a domain error becomes a gRPC status.
func (s *Server) toStatus(method string, err error) error { return ToStatus(s.log, method, err) }

// internal masks err; see Internal.
func (s *Server) internal(method string, err error) error { return Internal(s.log, method, err) }

// ToStatus is the one place a domain error becomes a gRPC status: a status
// error is kept as it is, an apperr class becomes its code, and anything
// else is masked (Internal). The interceptors apply it to every call; a
// handler that answers several items in one response (a batch) applies it
// to each item's error.
func ToStatus(log *slog.Logger, method string, err error) error {
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok && !isWrapped(err) {
		return err
	}
	code := apperr.Code(err)
	if code == codes.Internal || code == codes.Unknown {
		return Internal(log, method, err)
	}
	return status.Error(code, err.Error())
}

// Internal logs err with a fresh id and returns a masked status that
// carries only the id, so callers can quote it without seeing internals.
func Internal(log *slog.Logger, method string, err error) error {
	id := errorID()
	log.Error("internal error", slog.String("method", method), slog.String("error_id", id), slog.Any("error", err))
	return status.Errorf(codes.Internal, "internal error (error_id=%s)", id)
}

func isWrapped(err error) bool { return errors.Unwrap(err) != nil }

func errorID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
