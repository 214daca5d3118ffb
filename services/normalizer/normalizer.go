// Package normalizer runs the hookmesh normalizer: the gRPC
// NormalizerService that turns an authenticated webhook into a
// NormalizedEvent. Run is exported so a one-process runner can compose it
// with the other services; cmd/normalizer is a thin wrapper around it.
package normalizer

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/prometheus/client_golang/prometheus"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/internal/sources"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/normalize"
	"github.com/hookmesh/hookmesh/services/normalizer/internal/server"
)

// DefaultGRPCAddr is the normalizer's gRPC port in the public contract, on
// loopback: beyond it the normalizer needs internal authentication (Auth).
const DefaultGRPCAddr = "127.0.0.1:9091"

// DefaultAdminAddr is the normalizer's admin listener: /metrics, /health,
// /ready and /debug/pprof/.
const DefaultAdminAddr = "127.0.0.1:8082"

// Config is the normalizer's configuration.
type Config struct {
	// GRPCAddr is the address the gRPC server listens on
	// (HOOKMESH_NORMALIZER_GRPC_ADDR).
	GRPCAddr string
	// GRPCListener, when set, is used instead of listening on GRPCAddr: for
	// tests and a one-process runner that owns its listeners. Run closes it
	// on shutdown.
	GRPCListener net.Listener
	// AdminAddr is the admin listener (HOOKMESH_NORMALIZER_ADMIN_ADDR):
	// /metrics, /health, /ready (always ready: the normalizer has no
	// dependency) and /debug/pprof/. Any address but loopback requires
	// AdminToken. Empty, with no AdminListener, means no admin listener.
	AdminAddr string
	// AdminListener, when set, is used instead of AdminAddr.
	AdminListener net.Listener
	// AdminToken, when set, is required as a bearer token by the admin
	// listener except on /health and /ready (HOOKMESH_ADMIN_TOKEN).
	AdminToken string
	// Registry receives the normalizer's metrics; nil means a new registry
	// of its own.
	Registry *prometheus.Registry
	// Sources are the platforms defined in configuration
	// (HOOKMESH_SOURCES_FILE); a name that is not a preset is normalized
	// by its normalize rules.
	Sources []sources.Source
	// TLS configures TLS or mTLS for gRPC (HOOKMESH_TLS_*; see package
	// tlsconfig); the zero value means plaintext.
	TLS tlsconfig.Config
	// Auth authenticates the callers of Normalize (the edge and the
	// dispatcher; see package meshauth). With it off, GRPCAddr must be a
	// loopback address.
	Auth meshauth.Config
	// InProcess, when set, serves NormalizerService (and gRPC health) on
	// this in-memory channel too, behind the same interceptors, for the
	// services of the same process (hookmesh run); nil: gRPC only.
	InProcess *inproc.Channel
}

// ConfigFromEnv reads the Config from environment variables through lookup
// (os.LookupEnv in production) and reports every problem at once.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	cfg := Config{
		GRPCAddr:   r.String("HOOKMESH_NORMALIZER_GRPC_ADDR", DefaultGRPCAddr),
		AdminAddr:  r.String("HOOKMESH_NORMALIZER_ADMIN_ADDR", DefaultAdminAddr),
		AdminToken: r.String(admin.TokenVar, ""),
	}
	if _, _, err := net.SplitHostPort(cfg.GRPCAddr); err != nil {
		r.Fail("HOOKMESH_NORMALIZER_GRPC_ADDR=%q: want host:port such as :9091", cfg.GRPCAddr)
	}
	path := r.String("HOOKMESH_SOURCES_FILE", "")
	srcs, err := sources.Load(path)
	if err != nil {
		r.Fail("HOOKMESH_SOURCES_FILE=%q: %v", path, err)
	} else if _, err := normalize.New(srcs); err != nil {
		// Rules are checked here so a wrong file fails at start, with
		// every other configuration problem.
		r.Fail("HOOKMESH_SOURCES_FILE=%q: %v", path, err)
	}
	cfg.Sources = srcs
	cfg.TLS = tlsconfig.FromEnv(r, tlsconfig.Service)
	cfg.Auth = meshauth.FromEnv(r)
	cfg.Auth.MTLS = cfg.TLS.MutualTLS()
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("normalizer config: %w", err)
	}
	return cfg, nil
}

// Run serves NormalizerService (with gRPC health and reflection) and the
// admin listener until ctx is done, then shuts down gracefully. It returns
// nil after a shutdown caused by ctx and an error if a server cannot
// listen or stops on its own.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	h := host.New(log, cfg.GRPCListener, cfg.AdminListener)
	defer h.Close()
	n, err := normalize.New(cfg.Sources)
	if err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	adminLis, err := h.AdminListen(cfg.AdminListener, cfg.AdminAddr, cfg.AdminToken, "HOOKMESH_NORMALIZER_ADMIN_ADDR")
	if err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	srv, lis, err := h.GRPC(host.GRPC{Listener: cfg.GRPCListener, Addr: cfg.GRPCAddr, AddrVar: "HOOKMESH_NORMALIZER_GRPC_ADDR",
		TLS: cfg.TLS, Auth: cfg.Auth, Chain: meshauth.NewServer(cfg.Auth, cfg.AdminToken != "", log).Chain(), InProcess: cfg.InProcess})
	if err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = admin.NewRegistry()
	}
	s := server.New(log, n)
	s.Metrics = server.NewMetrics(reg, n.Platforms())
	normalizerv1.RegisterNormalizerServiceServer(srv, s)
	// Health by service name as well as overall, so a probe can ask for
	// this service specifically; Serve flips both to NOT_SERVING on drain.
	srv.Health.SetServingStatus(normalizerv1.NormalizerService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	h.ServeAdmin(adminLis, admin.NewHandler(admin.Options{Token: cfg.AdminToken, Registry: reg, Log: log}))
	log.Info("normalizer serving", slog.String("grpc_addr", lis.Addr().String()),
		slog.String("admin_addr", host.AddrOf(adminLis)), slog.Bool("admin_token", cfg.AdminToken != ""),
		slog.Bool("tls", cfg.TLS.Enabled()), slog.String("internal_auth", cfg.Auth.Mode()),
		slog.Any("platforms", n.Platforms()))
	if err := h.Run(ctx); err != nil {
		return fmt.Errorf("normalizer: %w", err)
	}
	log.Info("normalizer stopped")
	return nil
}
