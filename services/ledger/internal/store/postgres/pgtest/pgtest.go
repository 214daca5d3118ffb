// Package pgtest gives tests an isolated, migrated PostgreSQL schema (or a
// fresh database name) in the server at TEST_DATABASE_URL, so tests run in
// parallel and beside a running system without seeing each other's rows.
// When PostgreSQL is unreachable the test fails, saying how to start it:
// a skipped store test is a test that cannot fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
)

// DefaultURL is used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// MaxConns is the pool size of NewPool: enough for real concurrency in the
// race tests, small enough that parallel test packages stay well under the
// server's max_connections.
const MaxConns = 10

// startHint tells a developer how to get a PostgreSQL up.
const startHint = "start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start " +
	"(or point TEST_DATABASE_URL at a PostgreSQL server)"

// URL returns TEST_DATABASE_URL, or DefaultURL.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewConfig creates a schema with a random name, applies the migrations in
// it, and returns a pool config whose search_path points at it. The schema
// is dropped when the test ends.
func NewConfig(t testing.TB) *pgxpool.Config {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := connect(ctx, t, URL())
	defer admin.Close(ctx)

	schema := "test_" + randomHex(t)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() { drop(t, "SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE") })

	// The ledger's own parser, so tests run with its session settings.
	cfg, err := postgres.ParseConfig(URL(), MaxConns)
	if err != nil {
		t.Fatalf("pgtest: parse TEST_DATABASE_URL: %v", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema

	pool, err := pgxpool.NewWithConfig(ctx, cfg.Copy())
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	defer pool.Close()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgtest: migrate schema %s: %v", schema, err)
	}
	return cfg
}

// NewPool is NewConfig and a pool over it, closed when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg := NewConfig(t)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	// Registered after the schema's cleanup, so it runs before it.
	t.Cleanup(pool.Close)
	return pool
}

// NewDatabaseURL returns TEST_DATABASE_URL with the database name replaced
// by a random one that does not exist yet, for tests of database creation
// and of a whole service. The database, if created, is dropped when the
// test ends.
func NewDatabaseURL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	connect(ctx, t, URL()).Close(ctx) // fail early, with the hint, when the server is down
	u, err := url.Parse(URL())
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("pgtest: TEST_DATABASE_URL must be a postgres:// URL for NewDatabaseURL")
	}
	name := "hookmesh_test_" + randomHex(t)
	u.Path = "/" + name
	t.Cleanup(func() {
		drop(t, "DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})
	return u.String()
}

func connect(ctx context.Context, t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("pgtest: PostgreSQL at TEST_DATABASE_URL is unreachable: %v\n%s", err, startHint)
	}
	return conn
}

// drop runs DROP what on an admin connection of its own: the test's
// context may be gone by cleanup time.
func drop(t testing.TB, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Errorf("pgtest: drop %s: %v", what, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP "+what); err != nil {
		t.Errorf("pgtest: drop %s: %v", what, err)
	}
}

func randomHex(t testing.TB) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random name: %v", err)
	}
	return hex.EncodeToString(b[:])
}
