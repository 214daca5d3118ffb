package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// TestMigrateRebuildKeepsRows: a file made by an older ledger (migrations
// before 0007, with a delivery and its history) is upgraded by Open:
// 0007 rebuilds deliveries without losing a row or a reference, and the
// writer's foreign keys are on again afterwards.
func TestMigrateRebuildKeepsRows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`)
	for _, m := range ms {
		if m.Version >= 7 {
			break
		}
		exec(m.SQL)
		exec(`INSERT INTO schema_migrations VALUES ($1, $2, 0)`, m.Version, m.Name)
	}
	exec(`INSERT INTO receipts (receipt_id, platform, event_id, body, received_at) VALUES ('r1', 'stripe', 'e1', x'00', 1)`)
	exec(`INSERT INTO events (platform, event_id, receipt_id, event_type, received_at, recorded_at) VALUES ('stripe', 'e1', 'r1', 1, 1, 1)`)
	exec(`INSERT INTO subscriptions (name, target, timeout_ms, max_concurrency, created_at, updated_at) VALUES ('s', 't:1', 1000, 1, 1, 1)`)
	exec(`INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, event_id, state, attempts, next_attempt_at, created_at, updated_at, ordering_key)
VALUES ('00000000-0000-4000-8000-000000000001', 's', 1, 'stripe', 'e1', 2, 1, 1, 1, 1, 'k1')`)
	exec(`INSERT INTO delivery_attempts (delivery_id, attempt, at) VALUES ('00000000-0000-4000-8000-000000000001', 1, 1)`)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	var want []int // 0007 and whatever came after it
	for _, m := range ms {
		if m.Version >= 7 {
			want = append(want, m.Version)
		}
	}
	if !slices.Equal(s.Applied(), want) {
		t.Errorf("applied %v; want %v", s.Applied(), want)
	}
	// The rebuild keeps 0006's column.
	var key string
	if err := s.writer.QueryRowContext(ctx, `SELECT ordering_key FROM deliveries`).Scan(&key); err != nil || key != "k1" {
		t.Errorf("ordering_key after the rebuild = %q, %v; want k1", key, err)
	}
	var fk int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("writer's foreign_keys = %d, %v; want 1", fk, err)
	}
	got, err := s.ListDeliveries(ctx, &ledgerv1.ListDeliveriesRequest{Platform: "stripe", EventId: "e1"})
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	ds := got.GetDeliveries()
	if len(ds) != 1 || ds[0].GetState() != ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED || len(ds[0].GetHistory()) != 1 || ds[0].GetRedeliveryOf() != "" {
		t.Errorf("deliveries after the upgrade = %v; want the delivered one with its history", ds)
	}
	// The rebuilt table still enforces its references.
	if _, err := s.writer.ExecContext(ctx, `INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, event_id,
    next_attempt_at, created_at, updated_at) VALUES ('x', 's', 99, 'stripe', 'nope', 1, 1, 1)`); err == nil {
		t.Errorf("a delivery of a missing event was inserted; want a foreign key error")
	}
}
