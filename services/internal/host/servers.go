package host

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"google.golang.org/grpc"

	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/internal/serve"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
)

// AdminListen opens the admin listener (see admin.Listen: lis when set,
// else addr; nil when both are empty, meaning no admin listener; refused
// beyond loopback without token) and registers it to be closed. addrVar
// names the variable that chose the address, for errors.
func (h *Host) AdminListen(lis net.Listener, addr, token, addrVar string) (net.Listener, error) {
	l, err := admin.Listen(lis, addr, token, addrVar)
	if err != nil {
		return nil, err
	}
	h.closeListener(l)
	return l, nil
}

// ServeAdmin serves the admin handler on lis with the servers; a nil lis
// (admin listener off) does nothing.
func (h *Host) ServeAdmin(lis net.Listener, handler http.Handler) {
	if lis == nil {
		return
	}
	h.Go(func(ctx context.Context) error { return admin.Serve(ctx, handler, lis) })
}

// ServeHTTP serves srv on lis with the servers and shuts it down
// gracefully (serve.HTTP).
func (h *Host) ServeHTTP(lis net.Listener, srv *http.Server) {
	h.Go(func(ctx context.Context) error { return serve.HTTP(ctx, srv, lis) })
}

// GRPC describes a service's gRPC server.
type GRPC struct {
	// Listener, when set, is used instead of listening on Addr.
	Listener net.Listener
	// Addr is the address to listen on; AddrVar the variable that chose
	// it, for errors.
	Addr, AddrVar string
	// TLS is the server's TLS or mTLS; the zero value means plaintext.
	TLS tlsconfig.Config
	// Auth is the internal authentication: with it off, a listener beyond
	// loopback is refused (meshauth.CheckListener).
	Auth meshauth.Config
	// Chain is the server's interceptors (authentication, admin token).
	Chain grpcserver.Chain
	// InProcess, when set, serves the same services on this in-memory
	// channel too (hookmesh run).
	InProcess *inproc.Channel
}

// GRPC builds the gRPC server of g in order (TLS options, listener, bind
// check) and registers its Serve with the servers: the caller registers
// its services on the returned server before Run. The server drains on
// shutdown as grpcserver.Server.Serve describes.
func (h *Host) GRPC(g GRPC) (*grpcserver.Server, net.Listener, error) {
	tlsOpts, err := g.TLS.ServerOptions()
	if err != nil {
		return nil, nil, err
	}
	lis, err := h.Listen(g.Listener, g.Addr)
	if err != nil {
		return nil, nil, err
	}
	if err := meshauth.CheckListener(lis, g.AddrVar, g.Auth, h.log); err != nil {
		return nil, nil, err
	}
	gs := grpcserver.NewWithChain(h.log, g.Chain, tlsOpts...)
	gs.ServeInProcess(g.InProcess)
	h.Go(func(ctx context.Context) error { return gs.Serve(ctx, lis) })
	return gs, lis, nil
}

// Dial returns the client of another service (grpcclient.Route: conn when
// set, an in-process channel, else a connection to target) and registers
// its close. name is the service dialled, for the error.
func (h *Host) Dial(name string, conn grpc.ClientConnInterface, callOpts []grpc.CallOption, target string,
	creds grpc.DialOption, dialOpts ...grpc.DialOption) (grpc.ClientConnInterface, error) {
	c, closeConn, err := grpcclient.Route(conn, callOpts, target, creds, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("dial %s %s: %w", name, target, err)
	}
	h.OnCloseErr("client "+name, closeConn)
	return c, nil
}
