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
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/env"
	"github.com/hookmesh/hookmesh/services/internal/grpcserver"
	"github.com/hookmesh/hookmesh/services/ledger/internal/seed"
	"github.com/hookmesh/hookmesh/services/ledger/internal/server"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
)

// Defaults of Config.
const (
	// DefaultGRPCAddr is the ledger's gRPC port in the public contract.
	DefaultGRPCAddr = ":9092"
	// DefaultMaxConns sizes the pool for a 2-core machine. A Record spends
	// most of its time waiting on the commit's WAL flush, not on CPU, so a
	// few connections per core keep the disk busy; more would only queue
	// inside PostgreSQL and eat into max_connections across replicas.
	DefaultMaxConns = 8
)

// Config is the ledger's configuration.
type Config struct {
	// GRPCAddr is the address to listen on, used when GRPCListener is nil.
	GRPCAddr string
	// GRPCListener, when set, is served instead of listening on GRPCAddr
	// (tests, one-process runner). Run closes it.
	GRPCListener net.Listener
	// DatabaseURL is the PostgreSQL URL (or key=value string).
	DatabaseURL string
	// MaxConns caps the database pool; 0 means DefaultMaxConns.
	MaxConns int32
	// SubscriptionsFile, when set, is a YAML file of subscriptions applied
	// (created or updated) at start, after the migrations; see package seed.
	SubscriptionsFile string
}

// ConfigFromEnv reads the configuration through lookup (os.LookupEnv in
// production) and reports every problem at once.
func ConfigFromEnv(lookup func(string) (string, bool)) (Config, error) {
	r := env.New(lookup)
	cfg := Config{
		GRPCAddr:          r.String("HOOKMESH_LEDGER_GRPC_ADDR", DefaultGRPCAddr),
		DatabaseURL:       r.String("DATABASE_URL", ""),
		SubscriptionsFile: r.String("HOOKMESH_SUBSCRIPTIONS_FILE", ""),
	}
	n := r.Int64("HOOKMESH_LEDGER_MAX_CONNS", DefaultMaxConns)
	if n < 1 || n > math.MaxInt32 {
		r.Fail("HOOKMESH_LEDGER_MAX_CONNS=%d: want at least 1", n)
	}
	cfg.MaxConns = int32(min(max(n, 1), math.MaxInt32))
	if cfg.DatabaseURL == "" {
		r.Fail("DATABASE_URL is required: the embedded SQLite store used when it is unset is not implemented yet")
	} else if _, err := postgres.ParseConfig(cfg.DatabaseURL, cfg.MaxConns); err != nil {
		r.Fail("DATABASE_URL: %v", err)
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
	return c
}

// Run serves LedgerService until ctx is done, then ends the
// WatchDeliveries streams, drains in-flight calls, stops the notification
// listener and closes the database pool, in that order, and returns nil.
// It does not wait for the database: while PostgreSQL is unreachable it
// keeps trying with backoff, reports NOT_SERVING on gRPC health and answers
// UNAVAILABLE, so callers retry and the ledger recovers by itself. Once
// connected it migrates, applies the subscriptions file and listens for
// delivery notifications. It returns an error only for a broken
// configuration (a bad subscriptions file included) or listener.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	cfg = cfg.withDefaults()
	// fail keeps the promise that Run closes a listener it was given.
	fail := func(err error) error {
		if cfg.GRPCListener != nil {
			_ = cfg.GRPCListener.Close()
		}
		return fmt.Errorf("ledger: %w", err)
	}
	poolCfg, err := postgres.ParseConfig(cfg.DatabaseURL, cfg.MaxConns)
	if err != nil {
		return fail(err)
	}
	// Parsed before anything starts: a typo in the file must stop the
	// ledger at once, not after the database comes up.
	var seeds []*ledgerv1.Subscription
	if cfg.SubscriptionsFile != "" {
		if seeds, err = seed.Load(cfg.SubscriptionsFile); err != nil {
			return fail(err)
		}
	}
	lis := cfg.GRPCListener
	if lis == nil {
		if lis, err = net.Listen("tcp", cfg.GRPCAddr); err != nil {
			return fmt.Errorf("ledger: listen %s: %w", cfg.GRPCAddr, err)
		}
	}
	log.Info("ledger starting",
		slog.String("grpc_addr", lis.Addr().String()),
		slog.String("database_url", RedactURL(cfg.DatabaseURL)),
		slog.Int("max_conns", int(cfg.MaxConns)),
		slog.String("subscriptions_file", cfg.SubscriptionsFile))

	gs := grpcserver.New(log)
	srv := server.New(log, nil)
	ledgerv1.RegisterLedgerServiceServer(gs.GRPC, srv)
	gate := newHealthGate(gs.Health, ledgerv1.LedgerService_ServiceDesc.ServiceName)

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
	defer watches.Wait()
	defer close(returned)

	connectCtx, stopConnecting := context.WithCancel(ctx)
	defer stopConnecting()
	connected := make(chan *postgres.Store, 1)
	go func() {
		st := connectWithRetry(connectCtx, poolCfg, seeds, log)
		if st != nil {
			srv.SetStore(st)
			gate.ready()
			log.Info("ledger serving")
			// Returns when connectCtx is done, before the pool is closed.
			listen(connectCtx, st, srv.Notify, log)
		}
		connected <- st
	}()

	serveErr := gs.Serve(ctx, gate.listener(lis))
	// The server has drained: no call can use the pool any more.
	stopConnecting()
	if st := <-connected; st != nil {
		st.Close()
	}
	log.Info("ledger stopped")
	return serveErr
}

// Migrate applies the migrations and returns, for a deploy step (a
// Kubernetes Job) that must finish before new replicas start. Unlike Run it
// fails at once when the database is unreachable: the Job's own retry
// policy decides what happens next.
func Migrate(ctx context.Context, cfg Config, log *slog.Logger) error {
	cfg = cfg.withDefaults()
	poolCfg, err := postgres.ParseConfig(cfg.DatabaseURL, 1)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	log.Info("ledger migrating", slog.String("database_url", RedactURL(cfg.DatabaseURL)))
	pool, err := postgres.Connect(ctx, poolCfg)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	defer pool.Close()
	applied, err := postgres.Migrate(ctx, pool)
	if err != nil {
		return fmt.Errorf("ledger migrate: %w", err)
	}
	log.Info("ledger migrated", slog.Any("applied", applied))
	return nil
}

// Backoff bounds of the start-up connection loop.
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 10 * time.Second
)

// connectWithRetry connects, creates the database if needed and migrates,
// retrying until it succeeds or ctx is done (then it returns nil).
func connectWithRetry(ctx context.Context, poolCfg *pgxpool.Config, seeds []*ledgerv1.Subscription, log *slog.Logger) *postgres.Store {
	backoff := minBackoff
	for attempt := 1; ; attempt++ {
		st, err := open(ctx, poolCfg, seeds, log)
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

func open(ctx context.Context, poolCfg *pgxpool.Config, seeds []*ledgerv1.Subscription, log *slog.Logger) (*postgres.Store, error) {
	// A pgxpool.Config belongs to the pool made from it: copy per attempt.
	pool, err := postgres.Connect(ctx, poolCfg.Copy())
	if err != nil {
		return nil, err
	}
	applied, err := postgres.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	st := postgres.New(pool)
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
