// Package grpcclient opens the services' gRPC client connections, all with
// the same options: the caller's transport credentials, tracing, and
// round-robin balancing; or, for services of one process, routes their
// calls through an in-process channel (Route).
package grpcclient

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/hookmesh/hookmesh/services/internal/tracing"

	// The vtprotobuf codec replaces gRPC's reflection-based one.
	_ "github.com/hookmesh/hookmesh/services/internal/codec"
)

// serviceConfig selects round_robin: with a target that resolves to several
// addresses (the manifests' headless Services, "dns:///hookmesh-ledger:9092"),
// gRPC's default, pick_first, sends every call of a client to one of them,
// so each edge stuck to one ledger pod and a pod added by a scale-out got
// only clients that connected later. round_robin keeps a connection to
// every address and spreads calls over them. With one address it behaves
// as pick_first.
const serviceConfig = `{"loadBalancingConfig": [{"round_robin": {}}]}`

// Flow-control windows of every hookmesh connection, in bytes, on both
// ends (package grpcserver sets them too). Setting them turns off gRPC's
// bandwidth-delay estimator, which is on by default: it sends an HTTP/2
// PING whenever data arrives with no PING outstanding, so on a connection
// carrying one call at a time (every hop below saturation) each message
// cost a PING and its ack, two more frames to write, read and wake a
// goroutine for, on both processes. The estimator exists to grow windows
// for bulk transfers over long, fast links; these calls are small and
// travel between neighbours, and 1 MiB per call (4 MiB per connection)
// covers any webhook in one window (a body beyond it still flows, a
// window update at a time).
const (
	StreamWindow int32 = 1 << 20
	ConnWindow   int32 = 4 << 20
)

// New returns a client connection to target (lazy: it connects on first
// use and reconnects by itself). target is any gRPC target, or a
// comma-separated list of replicas' "host:port" addresses, whose calls are
// spread over all of them. Its error is grpc's, which names the target;
// callers add what the connection is for.
func New(target string, creds grpc.DialOption, extra ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts := append([]grpc.DialOption{creds, tracing.DialOption(), grpc.WithDefaultServiceConfig(serviceConfig),
		grpc.WithStaticStreamWindowSize(StreamWindow), grpc.WithStaticConnWindowSize(ConnWindow)}, extra...)
	dial, list, ok, err := listTarget(target)
	if err != nil {
		return nil, err
	}
	if ok {
		target, opts = dial, append(opts, list)
	}
	return grpc.NewClient(target, opts...)
}

// Route returns a client's connection to a service. With conn set (an
// in-process channel, package inproc: the service runs in this process)
// it is conn, carrying callOpts on every call (the caller's role token, as
// dialOpts would carry it); otherwise it is a new connection to target
// (New with creds and dialOpts). close releases what Route opened: the
// connection it dialled, nothing for conn.
func Route(conn grpc.ClientConnInterface, callOpts []grpc.CallOption, target string, creds grpc.DialOption, dialOpts ...grpc.DialOption) (_ grpc.ClientConnInterface, close func() error, _ error) {
	if conn != nil {
		return WithCallOptions(conn, callOpts...), func() error { return nil }, nil
	}
	cc, err := New(target, creds, dialOpts...)
	if err != nil {
		return nil, nil, err
	}
	return cc, cc.Close, nil
}

// WithCallOptions returns cc adding opts before the call's own options to
// every call and stream, as a connection's default call options do. cc
// itself when opts is empty.
func WithCallOptions(cc grpc.ClientConnInterface, opts ...grpc.CallOption) grpc.ClientConnInterface {
	if len(opts) == 0 {
		return cc
	}
	return &withCallOptions{cc: cc, opts: opts}
}

type withCallOptions struct {
	cc   grpc.ClientConnInterface
	opts []grpc.CallOption
}

// Invoke implements grpc.ClientConnInterface.
func (w *withCallOptions) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return w.cc.Invoke(ctx, method, args, reply, w.combine(opts)...)
}

// NewStream implements grpc.ClientConnInterface.
func (w *withCallOptions) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return w.cc.NewStream(ctx, desc, method, w.combine(opts)...)
}

// Target is the wrapped connection's, for readiness errors and logs.
func (w *withCallOptions) Target() string { return Target(w.cc) }

// Target names what cc connects to, for logs and errors: the dialled
// target of a *grpc.ClientConn, "inprocess:<service>" for an in-process
// channel.
func Target(cc grpc.ClientConnInterface) string {
	if t, ok := cc.(interface{ Target() string }); ok {
		return t.Target()
	}
	return fmt.Sprintf("%T", cc)
}

// combine never appends to w.opts: concurrent calls would share its
// spare capacity.
func (w *withCallOptions) combine(opts []grpc.CallOption) []grpc.CallOption {
	if len(opts) == 0 {
		return w.opts
	}
	all := make([]grpc.CallOption, 0, len(w.opts)+len(opts))
	return append(append(all, w.opts...), opts...)
}
