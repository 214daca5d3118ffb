// Package ledger runs the hookmesh ledger: the only owner of the database,
// recording every webhook idempotently and serving it back over gRPC
// (hookmesh.ledger.v1.LedgerService). cmd/ledger is a thin wrapper around
// Run, and a one-process runner can compose Run with the other services.
package ledger

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/admin"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/host"
	"github.com/hookmesh/hookmesh/services/internal/inproc"
	"github.com/hookmesh/hookmesh/services/internal/meshauth"
	"github.com/hookmesh/hookmesh/services/internal/target"
	"github.com/hookmesh/hookmesh/services/internal/tlsconfig"
	"github.com/hookmesh/hookmesh/services/ledger/internal/seed"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/sqlite"
)

// Defaults of Config.
const (
	// DefaultGRPCAddr is the ledger's gRPC port in the public contract,
	// on loopback: beyond it the ledger needs internal authentication
	// (Auth), so a deployment sets HOOKMESH_LEDGER_GRPC_ADDR=:9092 with it.
	DefaultGRPCAddr = "127.0.0.1:9092"
	// DefaultAdminAddr is the ledger's admin listener: /metrics, /health,
	// /ready and /debug/pprof/.
	DefaultAdminAddr = "127.0.0.1:8083"
	// DefaultMaxConns sizes the pool for a 2-core machine. A Record spends
	// most of its time waiting on the commit's WAL flush, not on CPU, so a
	// few connections per core keep the disk busy; more would only queue
	// inside PostgreSQL and eat into max_connections across replicas.
	DefaultMaxConns = 8
	// DefaultDataDir holds the embedded store when DATABASE_URL is unset.
	DefaultDataDir = "./data"
	// DataFile is the embedded store's file name inside the data directory.
	DataFile = "hookmesh.db"
)

// Config is the ledger's configuration.
type Config struct {
	// GRPCAddr is the address to listen on, used when GRPCListener is nil.
	GRPCAddr string
	// GRPCListener, when set, is served instead of listening on GRPCAddr
	// (tests, one-process runner). Run closes it.
	GRPCListener net.Listener
	// AdminAddr is the admin listener (HOOKMESH_LEDGER_ADMIN_ADDR):
	// /metrics, /health, /ready (the database answers) and /debug/pprof/.
	// Any address but loopback requires AdminToken. Empty, with no
	// AdminListener, means no admin listener.
	AdminAddr string
	// AdminListener, when set, is used instead of AdminAddr. Run closes it.
	AdminListener net.Listener
	// AdminToken (HOOKMESH_ADMIN_TOKEN), when set, is required as a bearer
	// token by the admin listener (but /health and /ready) and, as
	// "authorization: Bearer" metadata, by the admin RPCs (admin.Methods:
	// reads, dead letters, subscriptions). Record and the delivery RPCs
	// the services call are guarded by Auth instead.
	AdminToken string
	// Auth authenticates the services' calls (Record for the edge, the
	// delivery RPCs for the dispatcher; see package meshauth). With it
	// off, GRPCAddr must be a loopback address.
	Auth meshauth.Config
	// Registry receives the ledger's metrics; nil means a new registry of
	// its own.
	Registry *prometheus.Registry
	// DatabaseURL is the PostgreSQL URL (or key=value string). Empty
	// selects the embedded SQLite store in DataDir.
	DatabaseURL string
	// DataDir is the embedded store's directory, used when DatabaseURL is
	// empty; "" means DefaultDataDir. It is created (mode 0700: it holds
	// every webhook) when missing.
	DataDir string
	// MaxConns caps the PostgreSQL pool; 0 means DefaultMaxConns.
	MaxConns int32
	// SubscriptionsFile, when set, is a YAML file of subscriptions applied
	// (created or updated) at start, after the migrations; see package seed.
	SubscriptionsFile string
	// TargetAllow is what subscription targets may point at
	// (HOOKMESH_TARGET_ALLOW; see package target): the API and the
	// subscriptions file refuse the rest. nil means target.Default().
	TargetAllow *target.Policy
	// TLS configures TLS or mTLS for gRPC (HOOKMESH_TLS_*; see package
	// tlsconfig); the zero value means plaintext.
	TLS tlsconfig.Config
	// InProcess, when set, serves LedgerService (and gRPC health) on this
	// in-memory channel too, behind the same interceptors, for the
	// services of the same process (hookmesh run); nil: gRPC only.
	InProcess *inproc.Channel
	// Retention is the retention policy and its runner's timing
	// (HOOKMESH_RETENTION*; see retention.go); the zero value: off.
	Retention RetentionConfig
}

// ConfigFromEnv reads the configuration through lookup (os.LookupEnv in
// production) and reports every problem at once.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	cfg := Config{
		GRPCAddr:          r.String("HOOKMESH_LEDGER_GRPC_ADDR", DefaultGRPCAddr),
		AdminAddr:         r.String("HOOKMESH_LEDGER_ADMIN_ADDR", DefaultAdminAddr),
		AdminToken:        r.String(admin.TokenVar, ""),
		DatabaseURL:       r.String("DATABASE_URL", ""),
		DataDir:           r.String("HOOKMESH_DATA_DIR", DefaultDataDir),
		SubscriptionsFile: r.String("HOOKMESH_SUBSCRIPTIONS_FILE", ""),
	}
	cfg.TLS = tlsconfig.FromEnv(r, tlsconfig.Service)
	cfg.TargetAllow = target.FromEnv(r)
	cfg.Auth = meshauth.FromEnv(r)
	cfg.Auth.MTLS = cfg.TLS.MutualTLS()
	cfg.Retention = retentionFromEnv(r)
	n := r.Int64("HOOKMESH_LEDGER_MAX_CONNS", DefaultMaxConns)
	if n < 1 || n > math.MaxInt32 {
		r.Fail("HOOKMESH_LEDGER_MAX_CONNS=%d: want at least 1", n)
	}
	cfg.MaxConns = int32(min(max(n, 1), math.MaxInt32))
	if cfg.DatabaseURL != "" {
		if _, err := postgres.ParseConfig(cfg.DatabaseURL, cfg.MaxConns); err != nil {
			r.Fail("DATABASE_URL: %v", err)
		}
	} else if strings.ContainsRune(cfg.DataDir, '?') {
		// The SQLite driver reads parameters after a '?' in the file name.
		r.Fail("HOOKMESH_DATA_DIR=%q: must not contain '?'", cfg.DataDir)
	}
	if err := r.Err(); err != nil {
		return Config{}, fmt.Errorf("ledger config: %w", err)
	}
	return cfg, nil
}

func (c Config) withDefaults() Config {
	if c.GRPCAddr == "" {
		c.GRPCAddr = DefaultGRPCAddr
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	return c
}

// embedded reports whether c selects the embedded SQLite store.
func (c Config) embedded() bool { return c.DatabaseURL == "" }

// dataPath is the embedded store's file.
func (c Config) dataPath() string { return filepath.Join(c.DataDir, DataFile) }

// storeAttrs describe the store c selects, for the logs: the file, or the
// URL with its password redacted.
func (c Config) storeAttrs() []any {
	if c.embedded() {
		path := c.dataPath()
		if abs, err := filepath.Abs(path); err == nil {
			path = abs // "./data" says little in a log read elsewhere
		}
		return []any{slog.String("store", "sqlite"), slog.String("path", path)}
	}
	return []any{slog.String("store", "postgres"), slog.String("database_url", RedactURL(c.DatabaseURL)),
		slog.Int("max_conns", int(c.MaxConns))}
}

// opener opens the configured store and migrates it, returning the
// versions it applied. One attempt; connectWithRetry retries.
type opener func(ctx context.Context) (store.Store, []int, error)

// newOpener checks what can be checked before anything starts (a bad URL,
// an unusable data directory) and returns the store's opener. maxConns
// sizes the PostgreSQL pool.
func newOpener(cfg Config, maxConns int32) (opener, error) {
	if cfg.embedded() {
		if strings.ContainsRune(cfg.DataDir, '?') {
			return nil, fmt.Errorf("data directory %q: must not contain '?'", cfg.DataDir)
		}
		// 0700: the file holds every webhook body and header.
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		path := cfg.dataPath()
		return func(ctx context.Context) (store.Store, []int, error) {
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				return nil, nil, err
			}
			return st, st.Applied(), nil
		}, nil
	}
	poolCfg, err := postgres.ParseConfig(cfg.DatabaseURL, maxConns)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (store.Store, []int, error) {
		// A pgxpool.Config belongs to the pool made from it: copy per attempt.
		pool, err := postgres.Connect(ctx, poolCfg.Copy())
		if err != nil {
			return nil, nil, err
		}
		applied, err := postgres.Migrate(ctx, pool)
		if err != nil {
			pool.Close()
			return nil, nil, err
		}
		return postgres.New(pool), applied, nil
	}, nil
}

// Run serves LedgerService until ctx is done, then ends the
// WatchDeliveries streams, drains in-flight calls, stops the notification
// listener and closes the store, in that order, and returns nil. The store
// is PostgreSQL at cfg.DatabaseURL, or, when that is empty, the embedded
// SQLite file in cfg.DataDir (development and single-node trials).
// It does not wait for the database: while it is unreachable it
// keeps trying with backoff, reports NOT_SERVING on gRPC health and answers
// UNAVAILABLE, so callers retry and the ledger recovers by itself. Once
// connected it migrates, applies the subscriptions file and listens for
// delivery notifications. It returns an error only for a broken
// configuration (a bad subscriptions file included) or listener.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	cfg = cfg.withDefaults()
	h := host.New(log, cfg.GRPCListener, cfg.AdminListener)
	defer h.Close()
	openStore, err := newOpener(cfg, cfg.MaxConns)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	// Parsed before anything starts: a typo in the file must stop the
	// ledger at once, not after the database comes up.
	var seeds []*ledgerv1.Subscription
	if cfg.SubscriptionsFile != "" {
		if seeds, err = seed.Load(cfg.SubscriptionsFile, cfg.TargetAllow); err != nil {
			return fmt.Errorf("ledger: %w", err)
		}
	}
	adminLis, err := h.AdminListen(cfg.AdminListener, cfg.AdminAddr, cfg.AdminToken, "HOOKMESH_LEDGER_ADMIN_ADDR")
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	gs, lis, err := h.GRPC(host.GRPC{Listener: cfg.GRPCListener, Addr: cfg.GRPCAddr, AddrVar: "HOOKMESH_LEDGER_GRPC_ADDR",
		TLS: cfg.TLS, Auth: cfg.Auth, InProcess: cfg.InProcess,
		Chain: admin.Chain(cfg.AdminToken).Then(meshauth.NewServer(cfg.Auth, cfg.AdminToken != "", log).Chain())})
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	log.Info("ledger starting", append([]any{slog.String("grpc_addr", lis.Addr().String()),
		slog.String("admin_addr", host.AddrOf(adminLis)), slog.Bool("admin_token", cfg.AdminToken != ""),
		slog.Bool("tls", cfg.TLS.Enabled()), slog.String("internal_auth", cfg.Auth.Mode())},
		append(cfg.storeAttrs(), slog.String("subscriptions_file", cfg.SubscriptionsFile),
			slog.String("target_allow", cfg.TargetAllow.String()))...)...)

	reg := cfg.Registry
	if reg == nil {
		reg = admin.NewRegistry()
	}
	srv := server.New(log, nil)
	srv.Metrics = server.NewMetrics(reg, srv)
	srv.Targets = cfg.TargetAllow
	srv.Retention = cfg.Retention.policy()
	ledgerv1.RegisterLedgerServiceServer(gs, srv)
	gate := newHealthGate(gs.Health, ledgerv1.LedgerService_ServiceDesc.ServiceName)
	gs.Starting = gate.serving

	// Streams end as soon as shutdown starts; otherwise every open
	// WatchDeliveries would hold GracefulStop until its drain timeout.
	// (returned also ends them, when Serve fails without ctx being done.)
	returned := make(chan struct{})
	var watches sync.WaitGroup
	watches.Go(func() {
		select {
		case <-ctx.Done():
		case <-returned:
		}
		srv.EndWatches()
	})
	h.OnClose(func() {
		close(returned)
		watches.Wait()
	})

	connectCtx, stopConnecting := context.WithCancel(ctx)
	connected := make(chan store.Store, 1)
	go func() {
		st := connectWithRetry(connectCtx, openStore, seeds, log)
		if st != nil {
			st.SetFilterObserver(srv.Metrics)
			srv.SetStore(st)
			// SERVING waits for the notification listener's first attempt:
			// a Record committed before it listens would wake no
			// WatchDeliveries stream, and a client that saw SERVING has
			// every reason to expect that wake-up.
			var once sync.Once
			serving := func() {
				once.Do(func() {
					gate.ready()
					log.Info("ledger serving")
				})
			}
			// The job runner and the listener return when connectCtx is
			// done, before the store is closed.
			var jobs sync.WaitGroup
			jobs.Go(func() { runJobs(connectCtx, st, log) })
			jobs.Go(func() { runRetention(connectCtx, cfg.Retention, srv, log) })
			jobs.Go(func() { runPartitions(connectCtx, st, log) })
			listen(connectCtx, st, srv.Notify, serving, log)
			jobs.Wait()
		}
		connected <- st
	}()
	// Once the servers have drained no call can use the store any more,
	// and the event streams' senders end with their streams: the store
	// closes after them.
	h.OnClose(func() {
		stopConnecting()
		if st := <-connected; st != nil {
			st.Close()
		}
	})
	h.OnClose(srv.WaitStreams)

	h.ServeAdmin(adminLis, admin.NewHandler(admin.Options{Token: cfg.AdminToken, Registry: reg, Ready: srv.Ready, Log: log}))
	err = h.Run(ctx)
	log.Info("ledger stopped")
	return err
}

// Migrate applies the migrations and returns, for a deploy step (a
// Kubernetes Job) that must finish before new replicas start, or to
// prepare an embedded store's file. Unlike Run it fails at once when the
// database is unreachable: the Job's own retry policy decides what happens
// next.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	cfg = cfg.withDefaults()
	openStore, err := newOpener(cfg, 1)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	log.Info("ledger migrating", cfg.storeAttrs()...)
	st, applied, err := openStore(ctx)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	st.Close()
	log.Info("ledger migrated", slog.Any("applied", applied))
	return nil
}

// Backoff bounds of the start-up connection loop.
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// connectWithRetry opens the store (connecting, creating the database if
// needed and migrating) and applies the seeds, retrying until it succeeds
// or ctx is done (then it returns nil).
func connectWithRetry(ctx context.Context, openStore opener, seeds []*ledgerv1.Subscription, log *slog.Logger) store.Store {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		st, err := open(ctx, openStore, seeds, log)
		if err == nil {
			return st
		}
		if ctx.Err() != nil {
			return nil
		}
		// Jitter keeps replicas that lost the database together from
		// hammering it together when it comes back.
		wait := backoff/2 + rand.N(backoff/2+1)
		log.Warn("database not ready; retrying",
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func open(ctx context.Context, openStore opener, seeds []*ledgerv1.Subscription, log *slog.Logger) (store.Store, error) {
	st, applied, err := openStore(ctx)
	if err != nil {
		return nil, err
	}
	if len(seeds) > 0 {
		stored, err := seed.Apply(ctx, st, seeds)
		if err != nil {
			st.Close()
			return nil, err
		}
		for _, sub := range stored {
			log.Info("subscription seeded", slog.String("subscription", sub.GetName()),
				slog.String("target", sub.GetTarget()), slog.Bool("paused", sub.GetPaused()))
		}
	}
	log.Info("database ready", slog.Any("migrations_applied", applied))
	return st, nil
}

var (
	// urlUserinfo matches the password of a URL that net/url cannot parse.
	urlUserinfo = regexp.MustCompile(`(://[^:/@]*:)[^@]*@`)
	// kvPassword matches password=... in a key=value connection string,
	// quoted or not.
	kvPassword = regexp.MustCompile(`(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)
)

// RedactURL returns a database URL fit for logs: the password, in the
// userinfo or as a password parameter, becomes "xxxxx".
func RedactURL(s string) string {
	if !strings.Contains(s, "://") {
		return kvPassword.ReplaceAllString(s, "${1}xxxxx")
	}
	u, err := url.Parse(s)
	if err != nil {
		return kvPassword.ReplaceAllString(urlUserinfo.ReplaceAllString(s, "${1}xxxxx@"), "${1}xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
