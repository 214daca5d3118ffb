package postgres_test

import (
	"testing"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
)

// TestParseConfigTurnsJITOff: the ledger's sessions run without JIT
// compilation unless the DATABASE_URL asks for it (see ParseConfig).
func TestParseConfigTurnsJITOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ url, want string }{
		{"postgres://hookmesh@127.0.0.1:5432/hookmesh", "off"},
		{"postgres://hookmesh@127.0.0.1:5432/hookmesh?jit=on", "on"},
		{"host=127.0.0.1 dbname=hookmesh jit=on", "on"},
	} {
		cfg, err := postgres.ParseConfig(tc.url, 4)
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", tc.url, err)
		}
		if got := cfg.ConnConfig.RuntimeParams["jit"]; got != tc.want {
			t.Errorf("ParseConfig(%q): jit = %q, want %q", tc.url, got, tc.want)
		}
	}
}

// TestSessionsDoNotJIT asks the server: a session opened with the ledger's
// config has jit off, whatever the server's default (on in PostgreSQL 15).
func TestSessionsDoNotJIT(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	var jit string
	if err := pool.QueryRow(testCtx(t), "SHOW jit").Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "off" {
		t.Fatalf("SHOW jit = %q, want off", jit)
	}
}
