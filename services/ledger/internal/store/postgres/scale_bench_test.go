package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
)

// The benchmarks below measure the partitioned layout at scale: the
// migration of an existing database to it, and a retention pass. They fill
// their own schema with HOOKMESH_BENCH_EVENTS events (default 20,000; the
// figures of docs/scaling.md used 5,000,000 and 2,000,000) with ~2 KB
// bodies, one delivery and one attempt each, and run once (-benchtime=1x).

// benchEvents is HOOKMESH_BENCH_EVENTS, or def.
func benchEvents(b *testing.B, def int) int {
	if v := os.Getenv("HOOKMESH_BENCH_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("HOOKMESH_BENCH_EVENTS: %v", err)
		}
		return n
	}
	return def
}

// fillBody is a ~2 KB webhook body (Stripe-like JSON; lz4 compresses it to
// about half) of row g, whose md5 is h (one hash per row: filling is
// dominated by generating the rows otherwise).
const fillBody = `convert_to('{"id":"evt_' || g || '","object":"event","api_version":"2024-06-20","created":' || g ||
    ',"type":"payment_intent.succeeded","livemode":false,"data":{"object":{"id":"pi_' || h ||
    '","object":"payment_intent","amount":' || (g % 100000) || ',"currency":"usd","customer":"cus_' || substr(h, 3, 14) ||
    '","description":"Order ' || g || '","receipt_email":"customer' || (g % 50000) || '@example.com","metadata":{"order_id":"' || g ||
    '","cart":"' || h || reverse(h) || upper(h) || reverse(upper(h)) ||
    '"},"shipping":{"name":"Customer ' || g || '","address":{"line1":"' || (g % 999) ||
    ' Main Street","city":"Springfield","postal_code":"' || (g % 99999) || '","country":"US"}},"charges":{"data":[{"id":"ch_' ||
    reverse(h) || '","balance_transaction":"txn_' || upper(h) ||
    '","payment_method_details":{"card":{"brand":"visa","last4":"' || lpad((g % 10000)::text, 4, '0') || '","fingerprint":"' ||
    translate(h, 'abcdef', 'fedcba') || '","exp_month":12,"exp_year":2030}}}]},"notes":"' || repeat(h, 20) || '"}}}', 'UTF8')`

// fillSQL inserts the rows $1..$2, received over $4 days up to now ($3
// seconds apart), in the layout before 0012 (partitioned false) or after.
// One delivery per event (one in a thousand pending, one dead), one attempt.
func fillSQL(partitioned bool) []string {
	at := `now() - make_interval(days => $4::integer) + make_interval(secs => g * $3::float8)`
	id, part := "g", ""
	partCol := ""
	if partitioned {
		id = `(floor(extract(epoch FROM ` + at + `) / 86400)::bigint << 36) | g`
		partCol, part = ", part_id", ", "+id+" >> 36 << 36"
	}
	qs := []string{
		`INSERT INTO receipts (receipt_id, platform, event_id, headers, body, remote_addr, received_at` + partCol + `)
SELECT md5('r' || g)::uuid, (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5], 'evt_' || g,
    jsonb_build_object('content-type', 'application/json', 'stripe-signature', '[redacted]', 'user-agent', 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'),
    ` + fillBody + `, '203.0.113.7:51234', ` + at + part + `
FROM generate_series($1::bigint, $2::bigint) AS g, LATERAL (SELECT md5(g::text) AS h) x`,
		`INSERT INTO events (` + map[bool]string{true: "id, ", false: ""}[partitioned] + `platform, event_id, receipt_id, event_type, source_event_type, occurred_at, received_at,
    entity_type, entity_id, amount_minor, currency, schema_version, normalized, metadata)
OVERRIDING SYSTEM VALUE
SELECT ` + map[bool]string{true: id + ", ", false: ""}[partitioned] + `(ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5], 'evt_' || g, md5('r' || g)::uuid,
    10, 'payment_intent.succeeded', ` + at + `, ` + at + `, 'payment', 'pi_' || g, g % 100000, 'usd', 1,
    decode(repeat(md5(g::text), 8), 'hex'), jsonb_build_object('order_id', g::text)
FROM generate_series($1::bigint, $2::bigint) AS g`,
		`INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, event_id, next_attempt_at, state, attempts, dead_at, last_error)
SELECT md5('d' || g)::uuid, 'sub', ` + id + `, (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5], 'evt_' || g, ` + at + `,
    CASE g % 1000 WHEN 0 THEN 1 WHEN 1 THEN 3 ELSE 2 END, 1, CASE WHEN g % 1000 = 1 THEN ` + at + ` END,
    CASE WHEN g % 1000 = 1 THEN 'handler answered 410' ELSE '' END
FROM generate_series($1::bigint, $2::bigint) AS g`,
		`INSERT INTO delivery_attempts (delivery_id, attempt, at, code, dispatcher_id, duration_us)
SELECT md5('d' || g)::uuid, 1, ` + at + `, '200', 'dispatcher-1', 20000 + g % 5000
FROM generate_series($1::bigint, $2::bigint) AS g`,
	}
	if partitioned {
		qs = append(qs, `INSERT INTO dedup_keys (platform, event_id, source, event_row_id, receipt_id, received_at)
SELECT (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5], 'evt_' || g, '', `+id+`, md5('r' || g)::uuid, `+at+`
FROM generate_series($1::bigint, $2::bigint) AS g`)
	}
	return qs
}

// indexDefsSQL lists the statements that create and drop the indexes of
// the tables a fill writes (constraints as constraints; on a partitioned
// table the parent's, which cover its partitions).
const indexDefsSQL = `
SELECT CASE WHEN con.oid IS NOT NULL
        THEN format('ALTER TABLE %s ADD CONSTRAINT %I %s', t.oid::regclass, con.conname, pg_get_constraintdef(con.oid))
        ELSE pg_get_indexdef(i.indexrelid) END,
    CASE WHEN con.oid IS NOT NULL
        THEN format('ALTER TABLE %s DROP CONSTRAINT %I', t.oid::regclass, con.conname)
        ELSE format('DROP INDEX %s', i.indexrelid::regclass) END
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u') AND con.conrelid = t.oid
WHERE t.relnamespace = current_schema()::regnamespace
  AND t.relname ~ '^(events|receipts|deliveries|delivery_attempts|dedup_keys)'
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY t.relname, i.indexrelid`

// fill inserts n events over days days, then vacuums, analyzes and
// checkpoints, as a long-lived database would be.
func fill(b *testing.B, pool *pgxpool.Pool, n, days int, partitioned bool) {
	b.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET synchronous_commit = off;
INSERT INTO subscriptions (name, target, timeout_ms, max_concurrency) VALUES ('sub', 'dns:///h:9000', 1000, 1)`); err != nil {
		b.Fatal(err)
	}
	// The indexes go during the fill and are built again after it, sorted:
	// maintaining random-key indexes row by row is what makes a fill slow,
	// and a database that grew over months has indexes like fresh builds.
	rows, err := conn.Query(ctx, indexDefsSQL)
	if err != nil {
		b.Fatal(err)
	}
	type def struct{ create, drop string }
	defs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (def, error) {
		var d def
		return d, row.Scan(&d.create, &d.drop)
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range defs {
		if _, err := conn.Exec(ctx, d.drop); err != nil {
			b.Fatalf("%s: %v", d.drop, err)
		}
	}
	began := time.Now()
	spacing := float64(days*24*3600) / float64(n+1)
	const batch = 100_000
	for lo := 1; lo <= n; lo += batch {
		hi := min(lo+batch-1, n)
		for _, q := range fillSQL(partitioned) {
			if _, err := conn.Exec(ctx, q, lo, hi, spacing, days); err != nil {
				b.Fatalf("fill rows %d-%d: %v", lo, hi, err)
			}
		}
		if hi%1_000_000 == 0 {
			b.Logf("filled %d / %d events (%v)", hi, n, time.Since(began).Round(time.Second))
		}
	}
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '512MB'`); err != nil {
		b.Fatal(err)
	}
	for _, d := range defs {
		if _, err := conn.Exec(ctx, d.create); err != nil {
			b.Fatalf("%s: %v", d.create, err)
		}
	}
	for _, q := range []string{`RESET synchronous_commit`, `RESET maintenance_work_mem`, `VACUUM (ANALYZE)`, `CHECKPOINT`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled %d events over %d days in %v", n, days, time.Since(began).Round(time.Second))
}

// schemaSize is the size of every relation of the pool's schema.
func schemaSize(b *testing.B, pool *pgxpool.Pool) int64 {
	b.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'm')`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// migrateTo rebuilds the schema of cfg with the migrations up to version.
func migrateTo(t testing.TB, cfg *pgxpool.Config, version int) {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	schema := pgx.Identifier{cfg.ConnConfig.RuntimeParams["search_path"]}.Sanitize()
	if _, err := pool.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Version > version {
			break
		}
		if _, err := pool.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
}

// PreStep is the optional online pre-step of the upgrade to 0012 (see
// docs/operations.md), which older ledgers may keep running through: the
// CHECK constraints it validates (under a lock that lets writes go on)
// spare the migration its scans of events and receipts.
const PreStep = `ALTER TABLE receipts ADD COLUMN IF NOT EXISTS part_id bigint NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD CONSTRAINT receipts_legacy_range CHECK (part_id < 68719476736) NOT VALID;
ALTER TABLE receipts VALIDATE CONSTRAINT receipts_legacy_range;
ALTER TABLE events ADD CONSTRAINT events_legacy_range CHECK (id < 68719476736) NOT VALID;
ALTER TABLE events VALIDATE CONSTRAINT events_legacy_range`

// BenchmarkMigrateToPartitions times migration 0012 on a database at 0011
// holding HOOKMESH_BENCH_EVENTS events over 30 days. The migration is one
// transaction holding its locks to the end: Records wait for all of it.
func BenchmarkMigrateToPartitions(b *testing.B) {
	n := benchEvents(b, 20_000)
	cfg := pgtest.NewConfig(b)
	migrateTo(b, cfg, 11)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	fill(b, pool, n, 30, false)
	before := schemaSize(b, pool)
	var prestep time.Duration
	if os.Getenv("HOOKMESH_BENCH_PRESTEP") != "" {
		began := time.Now()
		for _, q := range strings.Split(PreStep, ";\n") {
			if _, err := pool.Exec(context.Background(), q); err != nil {
				b.Fatalf("pre-step %s: %v", q, err)
			}
		}
		prestep = time.Since(began)
	}
	b.ResetTimer()
	for range b.N {
		began := time.Now()
		applied, err := postgres.Migrate(context.Background(), pool)
		if err != nil || len(applied) != 1 {
			b.Fatalf("Migrate = %v, %v", applied, err)
		}
		b.ReportMetric(time.Since(began).Seconds(), "migrate-s")
	}
	b.StopTimer()
	if prestep > 0 {
		b.ReportMetric(prestep.Seconds(), "prestep-s")
	}
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(float64(before)/1e9, "GB-before")
	b.ReportMetric(float64(schemaSize(b, pool))/1e9, "GB-after")
}

// BenchmarkRetentionPass times one retention pass (events=30d bodies=7d)
// over HOOKMESH_BENCH_EVENTS events spread over 60 days in the
// partitioned layout, and reports what it dropped.
func BenchmarkRetentionPass(b *testing.B) {
	n := benchEvents(b, 20_000)
	pool := pgtest.NewPool(b)
	s := postgres.New(pool)
	b.Cleanup(s.Close)
	ctx := context.Background()
	now := time.Now()
	for d := 61; d >= 0; d -= 3 {
		if err := s.EnsurePartitions(ctx, now.Add(-time.Duration(d)*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	fill(b, pool, n, 60, true)
	before := schemaSize(b, pool)
	policy := retention.Policy{Limits: retention.Limits{Bodies: 7 * 24 * time.Hour, Events: 30 * 24 * time.Hour}}
	b.ResetTimer()
	for range b.N {
		rep, err := s.Retain(ctx, policy, now, false)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.Took.Seconds(), "pass-s")
		for _, t := range rep.Tables {
			b.Logf("%-18s rows %9d  bytes %12d  partitions %d", t.Table, t.Rows, t.Bytes, len(t.Partitions))
		}
		b.Logf("kept %d rows (unfinished work)", rep.Kept)
	}
	b.StopTimer()
	if _, err := pool.Exec(ctx, `VACUUM`); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(float64(before)/1e9, "GB-before")
	b.ReportMetric(float64(schemaSize(b, pool))/1e9, "GB-after")
}
