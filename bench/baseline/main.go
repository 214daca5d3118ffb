// Command baseline is the benchmark's point of comparison: the least a
// durable webhook receiver can do. POST /webhooks/{platform} verifies the
// signature with the same verifier as the edge (services/edge/verify, the
// development secrets) and inserts the raw body with ONE INSERT, committed
// (synchronous_commit as the server has it: on by default) before it
// answers 202. No normalization, no dedup, no outbox, no delivery.
//
//	DATABASE_URL         PostgreSQL (required); the table is created when missing
//	BASELINE_HTTP_ADDR   listener (default 127.0.0.1:8090)
//	BASELINE_MAX_CONNS   pool size (default 8, the ledger's default)
//	BASELINE_ADMIN_ADDR  optional listener of /debug/pprof
//	BASELINE_SOURCES_FILE  optional sources file (HOOKMESH_SOURCES_FILE's
//	                     format): its sources are verified too, each with
//	                     the secret of BASELINE_SECRET_<NAME>
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/services/edge"
	"github.com/hookmesh/hookmesh/services/edge/verify"
)

const maxBody = 1 << 20

const schema = `CREATE TABLE IF NOT EXISTS baseline_webhooks (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform    text        NOT NULL,
    body        bytea       NOT NULL,
    received_at timestamptz NOT NULL
)`

func main() {
	if err := run(); err != nil {
		log.Fatal("baseline: ", err)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL is required")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.MaxConns = 8
	if s := os.Getenv("BASELINE_MAX_CONNS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return errors.New("BASELINE_MAX_CONNS: want a positive integer")
		}
		cfg.MaxConns = int32(n)
	}
	// Every connection opened at start: a connection opened under load
	// costs a backend fork in the middle of a measurement.
	cfg.MinConns = cfg.MaxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, schema); err != nil {
		return err
	}
	verifiers := map[string]verify.Verifier{}
	for p, secret := range edge.DevSecrets {
		if v, err := verify.New(p, []string{secret}, 0); err == nil {
			verifiers[p] = v
		}
	}

	if path := os.Getenv("BASELINE_SOURCES_FILE"); path != "" {
		secrets := map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "BASELINE_SECRET_") {
				secrets[strings.ToLower(strings.TrimPrefix(k, "BASELINE_SECRET_"))] = v
			}
		}
		configured, err := verify.ConfiguredVerifiers(path, secrets)
		if err != nil {
			return fmt.Errorf("BASELINE_SOURCES_FILE: %w", err)
		}
		maps.Copy(verifiers, configured)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /webhooks/{platform}", func(w http.ResponseWriter, r *http.Request) {
		platform := r.PathValue("platform")
		v, ok := verifiers[platform]
		if !ok {
			http.Error(w, "unknown platform", http.StatusNotFound)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		now := time.Now()
		if err := v.Verify(verify.Request{Header: r.Header, Body: body, Now: now, Method: r.Method}); err != nil {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if _, err := pool.Exec(r.Context(), `INSERT INTO baseline_webhooks (platform, body, received_at) VALUES ($1, $2, $3)`, platform, body, now); err != nil {
			logLimited(err)
			w.Header().Set("Retry-After", "5")
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "accepted"})
	})
	srv := &http.Server{
		Addr: envOr("BASELINE_HTTP_ADDR", "127.0.0.1:8090"), Handler: mux,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second,
	}
	if addr := os.Getenv("BASELINE_ADMIN_ADDR"); addr != "" {
		admin := http.NewServeMux()
		admin.HandleFunc("/debug/pprof/", pprof.Index)
		admin.HandleFunc("/debug/pprof/profile", pprof.Profile)
		go func() { _ = http.ListenAndServe(addr, admin) }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

var (
	logMu   sync.Mutex
	lastLog time.Time
)

// logLimited logs a failed insert, at most once a second.
func logLimited(err error) {
	logMu.Lock()
	defer logMu.Unlock()
	if time.Since(lastLog) >= time.Second {
		lastLog = time.Now()
		log.Printf("baseline: insert: %v", err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
