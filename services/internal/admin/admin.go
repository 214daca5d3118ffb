// Package admin is the admin plane every hookmesh service shares: an HTTP
// listener serving /metrics (the service's own Prometheus registry),
// /health, /ready and /debug/pprof/, plus the edge's admin REST API; the
// bearer-token check of that listener and of the admin gRPC methods; and
// the guard that refuses to expose an unprotected admin listener beyond
// the loopback interface.
//
// /health and /ready stay open so that probes need no secret; everything
// else requires "Authorization: Bearer <HOOKMESH_ADMIN_TOKEN>" when a token
// is configured.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hookmesh/hookmesh/services/internal/serve"
)

// TokenVar is the environment variable holding the admin bearer token.
const TokenVar = "HOOKMESH_ADMIN_TOKEN"

// ReadyTimeout bounds one /ready check: a probe must get an answer before
// its own timeout, even when a dependency hangs.
const ReadyTimeout = 2 * time.Second

// Server timeouts of the admin listener. WriteTimeout is long because
// /debug/pprof/profile and /debug/pprof/trace stream for ?seconds=N
// (default 30 s); net/http/pprof refuses N at or above it.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
)

// ReadyFunc reports whether a service's dependencies answer; nil means the
// service has none.
type ReadyFunc func(ctx context.Context) error

// Options configures the admin handler.
type Options struct {
	// Token, when non-empty, is required as a bearer token by every route
	// but /health and /ready.
	Token string
	// Registry is the service's own registry, served at /metrics. It is
	// never the global default registry, so services sharing a process
	// (the one-process runner, tests) each show their own metrics.
	Registry *prometheus.Registry
	// Ready checks the dependencies for /ready; nil means always ready.
	Ready ReadyFunc
	// API, when set, serves every other path (the edge's REST API under
	// /v1/), behind the token.
	API http.Handler
	// Log receives the reason of a failed readiness check.
	Log *slog.Logger
}

// NewHandler returns the admin mux. pprof handlers are registered on it
// explicitly: importing net/http/pprof registers them on
// http.DefaultServeMux too, which no hookmesh listener serves.
func NewHandler(o Options) http.Handler {
	if o.Registry == nil {
		o.Registry = prometheus.NewRegistry()
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	guard := RequireToken(o.Token)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		if o.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
			defer cancel()
			if err := o.Ready(ctx); err != nil {
				o.Log.Warn("not ready", slog.String("error", err.Error()))
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
				return
			}
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", guard(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{
		// A collector that fails (the ledger's database gone) must not
		// hide every other metric of the scrape.
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      o.Registry, // promhttp_metric_handler_errors_total
	})))
	mux.Handle("/debug/pprof/", guard(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", guard(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", guard(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", guard(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", guard(http.HandlerFunc(pprof.Trace)))
	if o.API != nil {
		mux.Handle("/", guard(o.API))
	}
	return mux
}

// Serve serves h on lis until ctx is done, with the admin listener's
// timeouts, then shuts down gracefully.
func Serve(ctx context.Context, h http.Handler, lis net.Listener) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	if err := serve.HTTP(ctx, srv, lis); err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	return nil
}

// Listen returns the admin listener: lis when set (tests, the one-process
// runner), else a new listener on addr. Without a token it refuses an
// address that is not loopback, naming addrVar (the variable that set
// it) and TokenVar in the error: metrics and pprof reveal enough to help
// an attacker, and the REST API replays dead letters. A nil listener and
// an empty addr mean no admin listener: Listen returns nil, nil.
func Listen(lis net.Listener, addr, token, addrVar string) (net.Listener, error) {
	if lis == nil && addr == "" {
		return nil, nil
	}
	if token == "" {
		shown := addr
		loop := false
		var err error
		if lis != nil {
			shown = lis.Addr().String()
			loop, err = isLoopback(shown)
		} else {
			loop, err = isLoopback(addr)
		}
		if err != nil {
			closeListener(lis)
			return nil, fmt.Errorf("%s=%q: %w", addrVar, shown, err)
		}
		if !loop {
			closeListener(lis)
			return nil, fmt.Errorf("%s=%q is not a loopback address and %s is not set: set %s to require a bearer token "+
				"on the admin listener (metrics, pprof, admin API), or bind it to 127.0.0.1", addrVar, shown, TokenVar, TokenVar)
		}
	}
	l, err := serve.Listen(lis, addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener (%s): %w", addrVar, err)
	}
	return l, nil
}

func closeListener(lis net.Listener) {
	if lis != nil {
		_ = lis.Close()
	}
}

// isLoopback reports whether every address host:port may bind is a
// loopback one. An empty host (all interfaces) is not; a name counts only
// if all its addresses are loopback.
func isLoopback(hostport string) (bool, error) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return false, fmt.Errorf("want host:port such as 127.0.0.1:8081: %w", err)
	}
	if host == "" {
		return false, nil
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	if host == "localhost" {
		return true, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
