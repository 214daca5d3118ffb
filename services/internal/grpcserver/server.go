// Package grpcserver is the gRPC runtime every hookmesh service shares:
// health and reflection registered, one interceptor that maps domain errors
// to status codes and masks internal ones, panic recovery, and a shutdown
// order (NOT_SERVING, drain, GracefulStop, forced Stop) that callers cannot
// get wrong.
//
// A Server also serves in process (ServeInProcess): the services registered
// on it are registered on in-memory channels (package inproc) as well, the
// same interceptor chain (Chain) runs for calls of both routes, and the
// channels start and stop with the gRPC server.
package grpcserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
	"github.com/hookmesh/hookmesh/services/internal/tracing"

	// The vtprotobuf codec replaces gRPC's reflection-based one.
	_ "github.com/hookmesh/hookmesh/services/internal/codec"
)

// DefaultDrainTimeout bounds GracefulStop before in-flight calls are cut.
const DefaultDrainTimeout = 10 * time.Second

// Server is a grpc.Server with health and reflection.
type Server struct {
	// GRPC is the gRPC server. Register services on the Server itself
	// (it is a grpc.ServiceRegistrar) so that in-process channels get them
	// too; registered on GRPC they are reachable over the network only.
	GRPC *grpc.Server
	// Health reports SERVING while Serve runs and NOT_SERVING once shutdown
	// starts, so load balancers stop routing before the drain.
	Health *health.Server
	// Starting, when set, runs once Serve has marked health SERVING and
	// before any call is served, over the network or in process: where a
	// service whose dependency is not up yet sets health back (the ledger,
	// until its database answers).
	Starting func()

	// unary and stream are the whole interceptor chain (error mapping,
	// then the service's Chain), run by the gRPC server and the channels.
	unary    grpc.UnaryServerInterceptor
	stream   grpc.StreamServerInterceptor
	services []service
	channels []*inproc.Channel

	log          *slog.Logger
	drainTimeout time.Duration
}

// service is one registration, kept for channels added later.
type service struct {
	desc *grpc.ServiceDesc
	impl any
}

// Chain is the server-side interceptors a service adds (admin token,
// internal authentication), in the order they run. They run inside
// grpcserver's own error mapping and panic recovery, which keeps their
// status errors as they are, for calls over gRPC and in process alike.
type Chain struct {
	Unary  []grpc.UnaryServerInterceptor
	Stream []grpc.StreamServerInterceptor
}

// Then returns c followed by next.
func (c Chain) Then(next Chain) Chain {
	return Chain{Unary: slices.Concat(c.Unary, next.Unary), Stream: slices.Concat(c.Stream, next.Stream)}
}

// StreamWorkers is the number of goroutines kept to run calls: enough
// for the concurrency a service sees under load (a claim batch, the edge's
// in-flight webhooks), idle ones cost a parked goroutine each.
const StreamWorkers = 64

// MaxConnectionAge is how long a client connection is served before the
// server asks the client (HTTP/2 GOAWAY) to open a new one for its next
// calls; calls and streams in progress run to their end on the old one.
// Why: a client resolves its target when it connects, so without an end to
// its connections a replica added by a scale-out (a new address behind
// "dns:///hookmesh-ledger:9092") would get no calls from clients that
// connected before it. With it, every client looks the name up again
// within this age (plus gRPC's 30 s floor between two DNS lookups) and
// round_robin spreads its calls over the new replica too. Five minutes
// costs a handshake per client per replica every five minutes.
const MaxConnectionAge = 5 * time.Minute

// New builds a Server with no interceptors beyond its own. Extra options
// (TLS, size limits) are appended; interceptors given as options run over
// the network only: give them to NewWithChain instead.
func New(log *slog.Logger, opts ...grpc.ServerOption) *Server {
	return NewWithChain(log, Chain{}, opts...)
}

// NewWithChain builds a Server whose calls run through its error mapping
// and then chain. Extra options (TLS, size limits) are appended.
func NewWithChain(log *slog.Logger, chain Chain, opts ...grpc.ServerOption) *Server {
	s := &Server{log: log, drainTimeout: DefaultDrainTimeout}
	s.unary = chainUnary(append([]grpc.UnaryServerInterceptor{s.unaryInterceptor}, chain.Unary...))
	s.stream = chainStream(append([]grpc.StreamServerInterceptor{s.streamInterceptor}, chain.Stream...))
	opts = append([]grpc.ServerOption{
		grpc.UnaryInterceptor(s.unary),
		grpc.StreamInterceptor(s.stream),
		tracing.ServerOption(),
		// Calls run on long-lived workers rather than a new goroutine
		// each: a fresh goroutine grows its stack again on every call
		// (runtime.newstack/copystack were ~10% of the normalizer's and
		// the ledger's CPU at saturation). Calls beyond the workers still
		// get their own goroutine, so nothing waits for a worker.
		grpc.NumStreamWorkers(StreamWorkers),
		// Static windows: no bandwidth-delay PINGs (see grpcclient.StreamWindow).
		grpc.StaticStreamWindowSize(grpcclient.StreamWindow), grpc.StaticConnWindowSize(grpcclient.ConnWindow),
		// No MaxConnectionAgeGrace: an open stream (a dispatcher's
		// WatchDeliveries, an event stream) is never cut by its age.
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionAge: MaxConnectionAge}),
	}, opts...)
	s.GRPC = grpc.NewServer(opts...)
	s.Health = health.NewServer()
	healthpb.RegisterHealthServer(s, s.Health)
	reflection.Register(s.GRPC)
	return s
}

// RegisterService registers impl on the gRPC server and on every
// in-process channel; it implements grpc.ServiceRegistrar, so the
// generated RegisterXServer functions take the Server.
func (s *Server) RegisterService(desc *grpc.ServiceDesc, impl any) {
	s.GRPC.RegisterService(desc, impl)
	for _, ch := range s.channels {
		ch.RegisterService(desc, impl)
	}
	s.services = append(s.services, service{desc, impl})
}

// ServeInProcess makes the services registered on s (health included,
// reflection not) callable through ch too, behind the same interceptors:
// Serve starts ch with the gRPC server and drains and stops it with the
// gRPC server. A nil ch does nothing. Call it before Serve.
func (s *Server) ServeInProcess(ch *inproc.Channel) {
	if ch == nil {
		return
	}
	for _, r := range s.services {
		ch.RegisterService(r.desc, r.impl)
	}
	s.channels = append(s.channels, ch)
}

// Serve serves on lis (and the in-process channels) until ctx is done,
// then shuts down in order: health NOT_SERVING, GracefulStop of the gRPC
// server and the channels (in-flight calls finish, new ones are refused),
// and a forced Stop if draining takes longer than the drain timeout. It
// returns nil after a shutdown caused by ctx.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	s.Health.Resume()
	if s.Starting != nil {
		s.Starting()
	}
	for _, ch := range s.channels {
		if err := ch.Start(s.unary, s.stream); err != nil {
			s.stopChannels()
			return fmt.Errorf("grpc serve %s: %w", lis.Addr(), err)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		s.Health.Shutdown()
		s.stopChannels()
		return fmt.Errorf("grpc serve %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}
	s.Health.Shutdown()
	var draining sync.WaitGroup
	draining.Go(s.GRPC.GracefulStop)
	for _, ch := range s.channels {
		draining.Go(ch.GracefulStop)
	}
	stopped := make(chan struct{})
	go func() {
		draining.Wait()
		close(stopped)
	}()
	timer := time.NewTimer(s.drainTimeout)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.log.Warn("grpc drain timed out; stopping", slog.Duration("timeout", s.drainTimeout))
		s.GRPC.Stop()
		s.stopChannels()
		<-stopped
	}
	<-errc
	return nil
}

// stopChannels refuses calls in process at once and ends their streams.
func (s *Server) stopChannels() {
	for _, ch := range s.channels {
		ch.Stop()
	}
}

// chainUnary runs ics in order, the first outermost, as
// grpc.ChainUnaryInterceptor does; it is a value of its own so that the
// gRPC server and the in-process channels run the same chain.
func chainUnary(ics []grpc.UnaryServerInterceptor) grpc.UnaryServerInterceptor {
	if len(ics) == 1 {
		return ics[0]
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return ics[0](ctx, req, info, unaryNext(ics, 0, info, handler))
	}
}

func unaryNext(ics []grpc.UnaryServerInterceptor, i int, info *grpc.UnaryServerInfo, final grpc.UnaryHandler) grpc.UnaryHandler {
	if i == len(ics)-1 {
		return final
	}
	return func(ctx context.Context, req any) (any, error) {
		return ics[i+1](ctx, req, info, unaryNext(ics, i+1, info, final))
	}
}

// chainStream is chainUnary for streams.
func chainStream(ics []grpc.StreamServerInterceptor) grpc.StreamServerInterceptor {
	if len(ics) == 1 {
		return ics[0]
	}
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return ics[0](srv, ss, info, streamNext(ics, 0, info, handler))
	}
}

func streamNext(ics []grpc.StreamServerInterceptor, i int, info *grpc.StreamServerInfo, final grpc.StreamHandler) grpc.StreamHandler {
	if i == len(ics)-1 {
		return final
	}
	return func(srv any, ss grpc.ServerStream) error {
		return ics[i+1](srv, ss, info, streamNext(ics, i+1, info, final))
	}
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
