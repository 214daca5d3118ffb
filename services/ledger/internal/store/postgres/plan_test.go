package postgres_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
// as the table grows. Nor may it use a bitmap scan, on any table: a bitmap
// scan never marks the index entries of dead rows, and delivery_leases
// gets one dead row per delivery (a lease is deleted by its outcome), so
// the count of a subscription's leases read every lease it ever had since
// the last vacuum (a 60 s run at 500/s: claims 1.24 ms, 0.38 ms with
// plain index scans, which mark them once and skip them after).
func TestClaimPlanUsesIndexesOnEmptyTable(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{
		Subscription: storetest.Subscription("all")}); err != nil {
		t.Fatal(err)
	}
	plan := explainClaim(t, pool, "EXPLAIN (COSTS OFF) EXECUTE claim_probe(64, 'd1', 60000000, 5000, '{a:1}', '{b:1}')")
	if !strings.Contains(plan, "deliveries_pkey") {
		t.Fatalf("plan does not show the claim (no deliveries_pkey):\n%s", plan)
	}
	if strings.Contains(plan, "Seq Scan on deliveries") {
		t.Errorf("the claim's generic plan scans deliveries sequentially:\n%s", plan)
	}
	if strings.Contains(plan, "Bitmap") {
		t.Errorf("the claim's generic plan has a bitmap scan:\n%s", plan)
	}
}

// TestClaimPlanOrderedCostsUnorderedNothing runs the claim under EXPLAIN
// ANALYZE over an unordered subscription's backlog and an ordered one's:
// the ordering test's probes (deliveries_ordering_idx, the key's leases)
// run for the ordered subscription's rows and never for the unordered
// one's, so ordering adds no work to an unordered claim.
func TestClaimPlanOrderedCostsUnorderedNothing(t *testing.T) {
	t.Parallel()
	for _, ordered := range []bool{false, true} {
		pool := pgtest.NewPool(t)
		s := postgres.New(pool)
		t.Cleanup(s.Close)
		sub := storetest.Subscription("sub")
		sub.MaxConcurrency = 100
		if ordered {
			sub.OrderingKey = `event.entity_id`
		}
		if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			req := storetest.Request("stripe", "", fmt.Sprintf("evt_%d", i), time.Now())
			req.Event.EntityId = fmt.Sprintf("key_%d", i%5)
			if _, err := s.Record(testCtx(t), req); err != nil {
				t.Fatal(err)
			}
		}
		plan := explainClaim(t, pool,
			"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) EXECUTE claim_probe(64, 'd1', 60000000, 5000, '{}', '{}')")
		var probes []string
		for _, line := range strings.Split(plan, "\n") {
			if strings.Contains(line, "deliveries_ordering_idx") || strings.Contains(line, "on delivery_leases k") {
				probes = append(probes, line)
			}
		}
		if len(probes) != 2 {
			t.Fatalf("ordered %v: want the two ordering probes in the plan, found %d:\n%s", ordered, len(probes), plan)
		}
		for _, p := range probes {
			if never := strings.Contains(p, "never executed"); never == ordered {
				t.Errorf("ordered %v: probe %q (never executed: %v):\n%s", ordered, strings.TrimSpace(p), never, plan)
			}
		}
	}
}

// TestThrottledReadsOneDueRow runs the claim's throttled query under
// EXPLAIN ANALYZE with a backlog on an unrated subscription and on a rated
// one out of tokens: its probe of due deliveries reads at most one row, and
// only for the rated subscription. Written as an EXISTS, PostgreSQL made it
// a join that read every due delivery of every subscription before looking
// at the buckets, so each claim cost as much as the whole backlog.
func TestThrottledReadsOneDueRow(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	rated := storetest.Subscription("rated")
	rated.Rate = &ledgerv1.Rate{PerSecond: 1, Burst: 1}
	for _, sub := range []*ledgerv1.Subscription{storetest.Subscription("flat"), rated} {
		if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: sub}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 100 {
		if _, err := s.Record(testCtx(t), storetest.Request("stripe", "", fmt.Sprintf("evt_%d", i), time.Now())); err != nil {
			t.Fatal(err)
		}
	}
	// Takes the rated subscription's only token.
	resp, err := s.ClaimDeliveries(testCtx(t), &ledgerv1.ClaimDeliveriesRequest{DispatcherId: "d1", Limit: 16})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetThrottledUntil() == nil {
		t.Fatal("the rated subscription is not throttled after the claim")
	}
	plan := explainSQL(t, pool, postgres.ClaimLockSQL, "throttled_probe(text[])", postgres.ThrottledSQL,
		"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE throttled_probe('{}')")
	actual := regexp.MustCompile(`actual rows=(\d+) loops=(\d+)`)
	probes := 0
	for _, line := range strings.Split(plan, "\n") {
		if !strings.Contains(line, " on deliveries") {
			continue
		}
		m := actual.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("deliveries probe not executed: %s\n%s", strings.TrimSpace(line), plan)
			continue
		}
		probes++
		if rows, _ := strconv.Atoi(m[1]); rows > 1 {
			t.Errorf("the throttled query read %s due deliveries in one probe, want at most 1:\n%s", m[1], plan)
		}
	}
	if probes != 1 {
		t.Errorf("want one probe of deliveries in the plan, found %d:\n%s", probes, plan)
	}
}

// TestSingleRowPlansUsePrimaryKey plans the statements that update one
// delivery by its id (an outcome, a replay) as a connection keeps them: a
// generic plan, made over an empty, never analyzed deliveries table. They
// must find the row through deliveries_pkey, never by scanning a partial
// index of the row's state: that plan read every pending delivery's (or
// every dead letter's) index entry on each call, so each outcome cost as
// much as the backlog.
func TestSingleRowPlansUsePrimaryKey(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	const id = "'01a24e6a-248d-7b95-b388-9b77d9cf35fd'"
	for _, c := range []struct{ name, signature, query, execute string }{
		{"outcome", "outcome_probe(uuid, uuid, smallint, boolean, timestamptz, text, integer, text, text, boolean, bigint)",
			postgres.OutcomeSQL, "outcome_probe(" + id + ", " + id + ", 2, true, NULL, '', 0, '', 'd1', false, 100)"},
		{"replay", "replay_probe(uuid)", postgres.ReplayOneSQL, "replay_probe(" + id + ")"},
	} {
		plan := explainSQL(t, pool, "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)",
			c.signature, c.query, "EXPLAIN (COSTS OFF) EXECUTE "+c.execute)
		if !strings.Contains(plan, "Index Scan using deliveries_pkey on deliveries") {
			t.Errorf("%s: the generic plan does not find the delivery by deliveries_pkey:\n%s", c.name, plan)
		}
		for _, partial := range []string{"deliveries_due_idx", "deliveries_dead_idx", "Seq Scan on deliveries"} {
			if strings.Contains(plan, partial) {
				t.Errorf("%s: the generic plan uses %s:\n%s", c.name, partial, plan)
			}
		}
	}
}

// TestClaimNormalizationsPlanIsGenericAndIndexed: the renormalize claim
// is planned once per connection, not on every call (a dispatcher calls it
// every second, and planning it over every day partition cost more than
// running it), and its generic plan, made over empty, never analyzed
// partitions, reads events through their indexes only.
func TestClaimNormalizationsPlanIsGenericAndIndexed(t *testing.T) {
	t.Parallel()
	cfg := pgtest.NewConfig(t)
	cfg.MaxConns = 1 // the store's calls and the check below share one session
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	ctx := testCtx(t)
	const calls = 8 // PostgreSQL's plan cache tries 5 custom plans first
	for range calls {
		if _, err := s.ClaimNormalizations(ctx, &ledgerv1.ClaimNormalizationsRequest{WorkerId: "d1"}); err != nil {
			t.Fatal(err)
		}
	}
	var generic, custom int64
	if err := pool.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`,
		postgres.ClaimNormalizationsSQL).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	if custom != 0 || generic != calls {
		t.Errorf("%d claims ran %d generic and %d custom plans, want %d generic", calls, generic, custom, calls)
	}

	plan := explainSQL(t, pool, postgres.ClaimNormalizationsSettingsSQL, "claim_normalizations_probe(integer, bigint)",
		postgres.ClaimNormalizationsSQL, "EXPLAIN (COSTS OFF) EXECUTE claim_normalizations_probe(100, 60000000)")
	if !strings.Contains(plan, "renormalize_at_idx") {
		t.Errorf("the generic plan does not read events_renormalize_at_idx:\n%s", plan)
	}
	for _, scan := range []string{"Seq Scan", "Bitmap"} {
		if strings.Contains(plan, scan) {
			t.Errorf("the generic plan has a %s:\n%s", scan, plan)
		}
	}
}

// explainClaim prepares the claim as claim_probe, with the claim's lock and
// settings (so its generic plan), runs explain (an EXPLAIN of EXECUTE
// claim_probe) in a transaction it rolls back, and returns the plan.
func explainClaim(t *testing.T, pool *pgxpool.Pool, explain string) string {
	t.Helper()
	return explainSQL(t, pool, postgres.ClaimLockSQL, "claim_probe(integer, text, bigint, bigint, text[], text[])",
		postgres.ClaimSQL, explain)
}

// explainSQL runs settings (a statement), prepares query as the prepared
// statement signature names, runs explain (an EXPLAIN of its EXECUTE) in a
// transaction it rolls back, and returns the plan.
func explainSQL(t *testing.T, pool *pgxpool.Pool, settings, signature, query, explain string) string {
	t.Helper()
	ctx := testCtx(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, settings); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "PREPARE "+signature+" AS "+query); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query(ctx, explain, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
