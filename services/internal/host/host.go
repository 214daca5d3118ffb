// Package host is the start-up and shutdown every hookmesh service shares:
// the listeners (gRPC, admin, the edge's public HTTP), TLS and internal
// authentication of the gRPC server, the clients of other services, health
// and the shutdown order. A service's Run builds one Host and uses it as
// follows:
//
//	h := host.New(log, cfg.GRPCListener, cfg.AdminListener) // given listeners: closed whatever happens
//	defer h.Close()                                         // every early return cleans up
//	adminLis, err := h.AdminListen(...)                     // acquire, in order; each is registered with its closer
//	gs, lis, err := h.GRPC(host.GRPC{...})                  // TLS, listen, bind check, interceptors, Serve registered
//	h.ServeAdmin(adminLis, handler)
//	return h.Run(ctx)                                       // serve until ctx is done, then drain and close
//
// Shutdown order: when ctx is done (or one server fails) every server
// drains at once as it always has (gRPC health NOT_SERVING then
// GracefulStop bounded by its drain timeout; HTTP Shutdown bounded by
// serve.ShutdownTimeout; the service's own loops return), Run waits for
// all of them, and only then runs the closers in the reverse order of
// their registration: what was acquired last (clients, stores, helpers) is
// released first, the listeners last. A failed start runs the same
// closers through Close, so nothing acquired so far leaks.
package host

import (
	"context"
	"log/slog"
	"net"
	"sync"

	"github.com/hookmesh/hookmesh/services/internal/serve"
)

// Host owns one service's resources and servers. It is not safe for
// concurrent use during start-up; Run and Close may be called once each
// (Close again is a no-op).
type Host struct {
	log     *slog.Logger
	mu      sync.Mutex
	closers []func()
	runs    []func(context.Context) error
	closed  bool
}

// New returns a Host for a service logging to log. given are the
// listeners the caller handed to the service (tests, the one-process
// runner): a service promises to close them, so they are registered
// first and closed by Close even when start-up fails before they are
// used. Nil entries are skipped.
func New(log *slog.Logger, given ...net.Listener) *Host {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Host{log: log}
	for _, l := range given {
		h.closeListener(l)
	}
	return h
}

// OnClose registers fn to run at Close, after every server has stopped,
// in the reverse order of registration.
func (h *Host) OnClose(fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closers = append(h.closers, fn)
}

// OnCloseErr is OnClose for a closer that reports an error: the error is
// logged at debug level, since nothing can be done about it at shutdown.
func (h *Host) OnCloseErr(what string, fn func() error) {
	h.OnClose(func() {
		if err := fn(); err != nil {
			h.log.Debug("close", slog.String("what", what), slog.Any("error", err))
		}
	})
}

// Go registers fn to run with the servers: it must return when its
// context is done; an error stops every other server too.
func (h *Host) Go(fn func(context.Context) error) { h.runs = append(h.runs, fn) }

// Run runs every registered server and loop until ctx is done or one of
// them fails, waits for all of them to drain, then runs the closers
// (Close). It returns the first error, nil after a shutdown caused by
// ctx.
func (h *Host) Run(ctx context.Context) error {
	err := serve.All(ctx, h.runs...)
	h.Close()
	return err
}

// Close runs the registered closers in reverse order, once. A service
// defers it right after New so that any failed start-up releases what it
// acquired; after Run it does nothing.
func (h *Host) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	closers := h.closers
	h.closers = nil
	h.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

// Listen returns lis when it is set, or a new TCP listener on addr, and
// registers it to be closed (a server closes it too when it stops;
// closing twice is harmless).
func (h *Host) Listen(lis net.Listener, addr string) (net.Listener, error) {
	l, err := serve.Listen(lis, addr)
	if err != nil {
		return nil, err
	}
	h.closeListener(l)
	return l, nil
}

func (h *Host) closeListener(l net.Listener) {
	if l != nil {
		h.OnClose(func() { _ = l.Close() })
	}
}

// AddrOf is lis's address for a start-up log line, or "off" when a
// listener is turned off (nil).
func AddrOf(lis net.Listener) string {
	if lis == nil {
		return "off"
	}
	return lis.Addr().String()
}
