package postgres_test

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

// TestClaimPlanUsesIndexesOnEmptyTable plans the claim as a new ledger does
// on its first claim: a generic plan (the claim's settings force one, and
// the connection keeps it) over an empty, never analyzed deliveries table.
// That plan must reach deliveries through its indexes only: a sequential
// scan chosen for an empty table would be kept, and run on every claim,
// as the table grows.
func TestClaimPlanUsesIndexesOnEmptyTable(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, postgres.ClaimLockSQL); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "PREPARE claim_probe(integer, text, bigint, bigint, text[], text[]) AS "+postgres.ClaimSQL); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) EXECUTE claim_probe(64, 'd1', 60000000, 5000, '{a:1}', '{b:1}')", pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Join(lines, "\n")
	if !strings.Contains(plan, "deliveries_pkey") {
		t.Fatalf("plan does not show the claim (no deliveries_pkey):\n%s", plan)
	}
	if strings.Contains(plan, "Seq Scan on deliveries") {
		t.Errorf("the claim's generic plan scans deliveries sequentially:\n%s", plan)
	}
}
