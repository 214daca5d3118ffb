package postgres_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestPayloadsCompressWithLZ4 checks migration 0005 where it matters: a
// large body is stored compressed with lz4 (pglz cost PostgreSQL several
// times the CPU per webhook), and reads back byte for byte. A server built
// without lz4 must keep pglz rather than fail.
func TestPayloadsCompressWithLZ4(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)

	var lz4 bool
	if err := pool.QueryRow(testCtx(t),
		`SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'`).Scan(&lz4); err != nil {
		t.Fatal(err)
	}
	want := "pglz"
	if lz4 {
		want = "lz4"
	}

	req := storetest.Request("github", "", "lz4-body", time.Now())
	// Repetitive JSON, like a real payload: well over the ~2 KB at which
	// PostgreSQL compresses a row.
	req.Receipt.Body = bytes.Repeat([]byte(`{"sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e","message":"Fix all the bugs"},`), 300)
	if _, err := s.Record(testCtx(t), req); err != nil {
		t.Fatal(err)
	}
	var method string
	var body []byte
	if err := pool.QueryRow(testCtx(t),
		`SELECT coalesce(pg_column_compression(body), 'none'), body FROM receipts WHERE event_id = 'lz4-body'`).Scan(&method, &body); err != nil {
		t.Fatal(err)
	}
	if method != want {
		t.Errorf("body compressed with %s, want %s", method, want)
	}
	if !bytes.Equal(body, req.Receipt.Body) {
		t.Errorf("body read back differs: %d bytes, want %d", len(body), len(req.Receipt.Body))
	}
}
