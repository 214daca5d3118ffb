// Package dispatcher delivers recorded events to downstream handlers. Run
// composes the work loop and the DispatcherService so that the deployment
// binary and a one-process runner start the same thing.
package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	dispatcherv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/dispatcher/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	normalizerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/normalizer/v1"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/breaker"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/dispatch"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/renormalize"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/retry"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/server"
	"github.com/hookmesh/hookmesh/services/dispatcher/internal/webhook"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/grpcclient"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
)

// DefaultGRPCAddr is DispatcherService's port in the public contract, on
// loopback: beyond it the dispatcher needs internal authentication (Auth).
const DefaultGRPCAddr = "127.0.0.1:9093"

// DefaultAdminAddr is the dispatcher's admin listener: /metrics, /health,
// /ready and /debug/pprof/.
const DefaultAdminAddr = "127.0.0.1:8084"

// Config is the dispatcher's configuration.
type Config struct {
	// GRPCAddr is the DispatcherService listener (HOOKMESH_DISPATCHER_GRPC_ADDR).
	GRPCAddr string
	// GRPCListener, when set, is used instead of GRPCAddr.
	GRPCListener net.Listener
	// AdminAddr is the admin listener (HOOKMESH_DISPATCHER_ADMIN_ADDR):
	// /metrics, /health, /ready (the ledger answers) and /debug/pprof/.
	// Any address but loopback requires AdminToken. Empty, with no
	// AdminListener, means no admin listener.
	AdminAddr string
	// AdminListener, when set, is used instead of AdminAddr.
	AdminListener net.Listener
	// AdminToken (HOOKMESH_ADMIN_TOKEN), when set, is required as a bearer
	// token by the admin listener (but /health and /ready) and by
	// DispatcherService.GetStatus as "authorization: Bearer" metadata.
	AdminToken string
	// Registry receives the dispatcher's metrics; nil means a new registry
	// of its own.
	Registry *prometheus.Registry
	// LedgerTarget is the ledger's gRPC target (HOOKMESH_LEDGER_TARGET).
	LedgerTarget string
	// NormalizerTarget is the normalizer's gRPC target
	// (HOOKMESH_NORMALIZER_TARGET, default 127.0.0.1:9091): the
	// renormalizer loop calls it for the events recorded while it was
	// unreachable. Empty turns the loop off (another dispatcher runs it).
	NormalizerTarget string
	// LedgerConn and NormalizerConn, when set, are used instead of
	// dialing LedgerTarget and NormalizerTarget: in-process channels
	// (package inproc) to services of the same process (hookmesh run).
	// The dispatcher's role token goes with every call all the same
	// (meshauth CallOptions). NormalizerConn also turns the renormalizer
	// loop on. Handlers are always dialled.
	LedgerConn, NormalizerConn grpc.ClientConnInterface
	// ID names this dispatcher in delivery history and in its leases
	// (HOOKMESH_DISPATCHER_ID; default host-pid). It must be unique among
	// live dispatchers: at start a dispatcher releases every lease held
	// under its id, taking back what a killed predecessor with the same id
	// left, so two live dispatchers sharing an id would release each
	// other's leases and deliver twice. Reusing it across restarts of the
	// same dispatcher is what makes the release useful.
	ID string
	// Capacity bounds deliveries in flight (HOOKMESH_DISPATCHER_CAPACITY).
	Capacity int
	// ClaimBatch bounds one claim (HOOKMESH_DISPATCHER_CLAIM_BATCH).
	ClaimBatch int
	// LeaseDuration is the lease asked for (HOOKMESH_DISPATCHER_LEASE); the
	// ledger extends it past the subscription's call timeout.
	LeaseDuration time.Duration
	// PollInterval is the fallback claim period (HOOKMESH_DISPATCHER_POLL).
	PollInterval time.Duration
	// BreakerFailures opens a breaker (HOOKMESH_BREAKER_FAILURES).
	BreakerFailures uint32
	// BreakerOpenFor is the open period (HOOKMESH_BREAKER_OPEN_FOR).
	BreakerOpenFor time.Duration
	// DrainTimeout bounds shutdown (HOOKMESH_DISPATCHER_DRAIN_TIMEOUT).
	DrainTimeout time.Duration
	// TLS configures TLS or mTLS for gRPC (HOOKMESH_TLS_*; see package
	// tlsconfig); the zero value means plaintext.
	TLS tlsconfig.Config
	// TargetAllow is what handler targets and HTTP destinations may be
	// dialled (HOOKMESH_TARGET_ALLOW; see package target), checked at
	// every dial against the addresses the name resolves to; a refused
	// target fails its deliveries as unreachable. nil means
	// target.Default().
	TargetAllow *target.Policy
	// Auth is the dispatcher's internal authentication (see package
	// meshauth): its role token, sent to the ledger and the normalizer
	// but never to a handler, or its client certificate's role. With
	// neither, GRPCAddr must be loopback.
	Auth meshauth.Config
}

// ConfigFromEnv reads the configuration.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	host, _ := os.Hostname()
	cfg := Config{
		GRPCAddr:         r.String("HOOKMESH_DISPATCHER_GRPC_ADDR", DefaultGRPCAddr),
		AdminAddr:        r.String("HOOKMESH_DISPATCHER_ADMIN_ADDR", DefaultAdminAddr),
		AdminToken:       r.String(admin.TokenVar, ""),
		LedgerTarget:     r.String("HOOKMESH_LEDGER_TARGET", "127.0.0.1:9092"),
		NormalizerTarget: r.String("HOOKMESH_NORMALIZER_TARGET", "127.0.0.1:9091"),
		ID:               r.String("HOOKMESH_DISPATCHER_ID", fmt.Sprintf("%s-%d", host, os.Getpid())),
		Capacity:         int(r.Int64("HOOKMESH_DISPATCHER_CAPACITY", 256)),
		ClaimBatch:       int(r.Int64("HOOKMESH_DISPATCHER_CLAIM_BATCH", 64)),
		LeaseDuration:    r.Duration("HOOKMESH_DISPATCHER_LEASE", 60*time.Second),
		PollInterval:     r.Duration("HOOKMESH_DISPATCHER_POLL", time.Second),
		BreakerFailures:  uint32(r.Int64("HOOKMESH_BREAKER_FAILURES", 5)),
		BreakerOpenFor:   r.Duration("HOOKMESH_BREAKER_OPEN_FOR", 30*time.Second),
		DrainTimeout:     r.Duration("HOOKMESH_DISPATCHER_DRAIN_TIMEOUT", 20*time.Second),
	}
	cfg.TLS = tlsconfig.FromEnv(r, tlsconfig.Service)
	cfg.TargetAllow = target.FromEnv(r)
	cfg.Auth = meshauth.FromEnv(r)
	cfg.Auth.MTLS = cfg.TLS.MutualTLS()
	if cfg.Capacity < 1 || cfg.ClaimBatch < 1 || cfg.BreakerFailures < 1 {
		r.Fail("HOOKMESH_DISPATCHER_CAPACITY, HOOKMESH_DISPATCHER_CLAIM_BATCH and HOOKMESH_BREAKER_FAILURES must be at least 1")
	}
	if cfg.PollInterval <= 0 || cfg.LeaseDuration <= 0 || cfg.BreakerOpenFor <= 0 {
		r.Fail("HOOKMESH_DISPATCHER_POLL, HOOKMESH_DISPATCHER_LEASE and HOOKMESH_BREAKER_OPEN_FOR must be positive")
	}
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("dispatcher config: %w", err)
	}
	return cfg, nil
}

// Run delivers until ctx is done, then drains in-flight deliveries.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	h := host.New(log, cfg.GRPCListener, cfg.AdminListener)
	defer h.Close()
	adminLis, err := h.AdminListen(cfg.AdminListener, cfg.AdminAddr, cfg.AdminToken, "HOOKMESH_DISPATCHER_ADMIN_ADDR")
	if err != nil {
		return fmt.Errorf("dispatcher: %w", err)
	}
	creds, err := cfg.TLS.DialOption()
	if err != nil {
		return fmt.Errorf("dispatcher: %w", err)
	}
	// The role token goes to the ledger and the normalizer only: the
	// handler pool dials with creds alone, so no handler learns it.
	authOpts, callOpts := cfg.Auth.DialOptions(meshauth.RoleDispatcher), cfg.Auth.CallOptions(meshauth.RoleDispatcher)
	conn, err := h.Dial("ledger", cfg.LedgerConn, callOpts, cfg.LedgerTarget, creds, authOpts...)
	if err != nil {
		return err
	}
	pool := dispatch.NewPool(creds, cfg.TargetAllow, nil)
	h.OnClose(pool.Close)
	// One client for every HTTP destination: its connections are pooled
	// per host, as the gRPC pool keeps one connection per handler.
	web := webhook.New(webhook.Options{Policy: cfg.TargetAllow, IdleConnsPerHost: min(cfg.Capacity, 128)})
	h.OnClose(web.Close)
	reg := cfg.Registry
	if reg == nil {
		reg = admin.NewRegistry()
	}

	metrics := dispatch.NewMetrics(reg)
	breakers := breaker.New(breaker.Settings{
		Failures: cfg.BreakerFailures,
		OpenFor:  cfg.BreakerOpenFor,
		Counts: func(err error) bool {
			return retry.Classify(status.Code(err)) == ledgerv1.ErrorClass_ERROR_CLASS_NETWORK
		},
		Excluded: func(err error) bool {
			return errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled
		},
		OnChange: func(target string, from, to gobreaker.State) {
			log.Warn("breaker changed state", slog.String("target", target), slog.String("from", from.String()), slog.String("to", to.String()))
			metrics.BreakerChanged(target, to.String())
		},
	})
	d := dispatch.New(dispatch.Options{
		ID:            cfg.ID,
		Ledger:        ledgerv1.NewLedgerServiceClient(conn),
		Handlers:      pool,
		Web:           web,
		Breakers:      breakers,
		Capacity:      cfg.Capacity,
		ClaimBatch:    cfg.ClaimBatch,
		LeaseDuration: cfg.LeaseDuration,
		PollInterval:  cfg.PollInterval,
		DrainTimeout:  cfg.DrainTimeout,
		Log:           log,
		Metrics:       metrics,
	})
	h.Go(d.Run)
	normalizer := "" // the renormalizer's normalizer, for the start-up line; none: loop off
	if cfg.NormalizerTarget != "" || cfg.NormalizerConn != nil {
		normConn, err := h.Dial("normalizer", cfg.NormalizerConn, callOpts, cfg.NormalizerTarget, creds, authOpts...)
		if err != nil {
			return err
		}
		normalizer = grpcclient.Target(normConn)
		renorm := renormalize.New(renormalize.Options{
			ID:         cfg.ID,
			Ledger:     ledgerv1.NewLedgerServiceClient(conn),
			Normalizer: normalizerv1.NewNormalizerServiceClient(normConn),
			Log:        log.With(slog.String("loop", "renormalize")),
			Registry:   reg,
		})
		h.Go(renorm.Run)
	}
	registerStateMetrics(reg, breakers, d)
	gs, lis, err := h.GRPC(host.GRPC{Listener: cfg.GRPCListener, Addr: cfg.GRPCAddr, AddrVar: "HOOKMESH_DISPATCHER_GRPC_ADDR",
		TLS: cfg.TLS, Auth: cfg.Auth, Chain: admin.Chain(cfg.AdminToken).Then(meshauth.NewServer(cfg.Auth, cfg.AdminToken != "", log).Chain())})
	if err != nil {
		return fmt.Errorf("dispatcher: %w", err)
	}
	dispatcherv1.RegisterDispatcherServiceServer(gs.GRPC, server.New(cfg.ID, breakers, d))
	h.ServeAdmin(adminLis, admin.NewHandler(admin.Options{Token: cfg.AdminToken, Registry: reg, Ready: admin.GRPCReady(conn), Log: log}))
	log.Info("dispatcher running", slog.String("grpc", lis.Addr().String()), slog.String("admin", host.AddrOf(adminLis)),
		slog.Bool("admin_token", cfg.AdminToken != ""), slog.String("ledger", grpcclient.Target(conn)),
		slog.String("normalizer", normalizer), slog.Bool("tls", cfg.TLS.Enabled()),
		slog.String("internal_auth", cfg.Auth.Mode()),
		slog.String("dispatcher_id", cfg.ID), slog.Int("capacity", cfg.Capacity),
		slog.String("target_allow", cfg.TargetAllow.String()))
	return h.Run(ctx)
}
