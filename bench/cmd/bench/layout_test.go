package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookmesh/hookmesh/services/ledger"
	"github.com/hookmesh/hookmesh/tests/harness"
)

// TestPrefillMatchesLedgerLayout guards the growth step's copy of the
// ledger's partitioned layout (growth.go): on a database the ledger's own
// Migrate prepared (with today's partitions and the next two days'), the
// bench's partitions must fit beside the ledger's (a different name or
// range for a day would overlap and fail), and every pre-filled event and
// receipt must land in the day partition of its received_at, not in the
// default partitions where retention would keep it.
func TestPrefillMatchesLedgerLayout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dbURL := harness.NewDatabase(t)
	if err := ledger.Migrate(ctx, ledger.Config{DatabaseURL: dbURL}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("ledger migrate: %v", err)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, prefillPartitions); err != nil {
		t.Fatalf("the bench's partitions beside the ledger's: %v", err)
	}
	body, id, headers, err := prefillTemplate(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const n = 60 // two a day over the 30 days
	spacing := 30 * 24 * 3600 / float64(n)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{prefillReceipts, []any{1, n, spacing, body, id, string(headers)}},
		{prefillEvents, []any{1, n, spacing}},
		{prefillKeys, []any{1, n, spacing}},
		{prefillDeliveries, []any{1, n, spacing}},
		{prefillAttempts, []any{1, n, spacing}},
	} {
		if _, err := conn.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("pre-fill: %v", err)
		}
	}
	for _, table := range []string{"events", "receipts"} {
		var rows, misplaced int
		err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tableoid::regclass::text <>
			'`+table+`_d' || to_char(received_at AT TIME ZONE 'UTC', 'YYYYMMDD')) FROM `+table).Scan(&rows, &misplaced)
		if err != nil {
			t.Fatal(err)
		}
		if rows != n || misplaced != 0 {
			t.Errorf("%s: %d rows, %d outside their day's partition; want %d, none", table, rows, misplaced, n)
		}
	}
}
