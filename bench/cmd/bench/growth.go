package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookmesh/hookmesh/bench/internal/load"
)

// Growth fills the ledger with GrowthEvents events (receipts, events and
// their dedup keys; no deliveries) straight in SQL, then repeats one
// open-loop step. The rows are kept small to save disk and time: a
// ~110-byte body, empty headers and metadata, no normalized proto;
// received_at spread over the last 30 days. The rows follow the ledger's
// partitioned layout (PostgreSQL migration 0012): an event's id is its
// UTC day shifted left 36 bits plus a sequence number, its receipt's
// part_id the day's first id, and each day has its partitions, created by
// prefillPartitions. Every index of the schema is maintained as in
// production.
const prefillAt = `(now() - interval '30 days' + make_interval(secs => g * $3::float8))`

// prefillID is the event id of row g (see the ledger's partition.go).
const prefillID = `((floor(extract(epoch FROM ` + prefillAt + `) / 86400)::bigint << 36) | g)`

const prefillReceipts = `INSERT INTO receipts (receipt_id, platform, event_id, headers, body, received_at, part_id)
SELECT md5('prefill' || g)::uuid,
       (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5],
       'prefill_' || g,
       '{"content-type": ["application/json"]}',
       convert_to('{"id":"prefill_' || g || '","object":"event","type":"payment_intent.succeeded","data":{"object":{"amount":' || (g % 100000) || '}}}', 'UTF8'),
       ` + prefillAt + `, ` + prefillID + ` >> 36 << 36
FROM generate_series($1::bigint, $2::bigint) AS g`

const prefillEvents = `INSERT INTO events (id, platform, event_id, receipt_id, event_type, source_event_type, occurred_at, received_at,
                    entity_type, entity_id, amount_minor, currency, schema_version)
SELECT ` + prefillID + `,
       (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5],
       'prefill_' || g,
       md5('prefill' || g)::uuid,
       10, 'payment_intent.succeeded',
       ` + prefillAt + `, ` + prefillAt + `,
       'payment', 'pi_' || g, g % 100000, 'usd', 1
FROM generate_series($1::bigint, $2::bigint) AS g`

const prefillKeys = `INSERT INTO dedup_keys (platform, event_id, source, event_row_id, receipt_id, received_at)
SELECT (ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5], 'prefill_' || g, '', ` + prefillID + `,
       md5('prefill' || g)::uuid, ` + prefillAt + `
FROM generate_series($1::bigint, $2::bigint) AS g`

// prefillPartitions creates the day partitions of the last 31 days that
// the ledger (which creates today's and the next two days') has not: the
// same names and ranges as its EnsurePartitions.
const prefillPartitions = `DO $$
DECLARE
    d bigint;
    name text;
BEGIN
    FOR d IN SELECT floor(extract(epoch FROM now()) / 86400)::bigint - generate_series(0, 31) LOOP
        name := to_char(to_timestamp(d * 86400) AT TIME ZONE 'UTC', 'YYYYMMDD');
        IF to_regclass('events_d' || name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
                'events_d' || name, d << 36, (d + 1) << 36);
        END IF;
        IF to_regclass('receipts_d' || name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF receipts (PRIMARY KEY (receipt_id)) FOR VALUES FROM (%s) TO (%s)',
                'receipts_d' || name, d << 36, (d + 1) << 36);
        END IF;
    END LOOP;
END
$$`

func (r *run) growth(ctx context.Context) {
	n := r.cfg.GrowthEvents
	fmt.Printf("bench: growth: pre-filling the ledger with %d events\n", n)
	conn, err := pgx.Connect(ctx, r.hm.dbURL)
	if err != nil {
		fatalf("growth: %v", err)
	}
	defer conn.Close(context.Background())
	// Only this loading session skips the WAL flush at commit; the
	// services' own sessions are untouched.
	if _, err := conn.Exec(ctx, "SET synchronous_commit = off"); err != nil {
		fatalf("growth: %v", err)
	}
	if _, err := conn.Exec(ctx, prefillPartitions); err != nil {
		fatalf("growth: partitions: %v", err)
	}
	began := time.Now()
	spacing := 30 * 24 * 3600 / float64(n)
	const batch = 250_000
	for lo := 1; lo <= n; lo += batch {
		hi := min(lo+batch-1, n)
		for _, q := range []string{prefillReceipts, prefillEvents, prefillKeys} {
			if _, err := conn.Exec(ctx, q, lo, hi, spacing); err != nil {
				fatalf("growth: pre-fill rows %d-%d: %v", lo, hi, err)
			}
		}
		fmt.Printf("\r  %d / %d events (%v)", hi, n, time.Since(began).Round(time.Second))
	}
	fmt.Println()
	// The rows took the sequence numbers 1..n: the ledger's next events
	// (today's) must not take them again.
	if _, err := conn.Exec(ctx, `SELECT setval('event_seq', greatest(nextval('event_seq'), $1::bigint))`, n); err != nil {
		fatalf("growth: event_seq: %v", err)
	}
	fill := time.Since(began)
	v := time.Now()
	// A long-lived ledger has been vacuumed and analyzed; autovacuum
	// waking up in the middle of the step would measure itself.
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) receipts, events, dedup_keys"); err != nil {
		fatalf("growth: vacuum: %v", err)
	}
	// A checkpoint, too: the bulk load left gigabytes of WAL and dirty
	// pages that PostgreSQL would otherwise write out during the step, and a
	// ledger that grew over weeks is not in the middle of flushing them.
	// What the step must show is the cost of the history itself (index
	// depth, cache misses), not the aftermath of loading it in a minute.
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		fatalf("growth: checkpoint: %v", err)
	}
	var size string
	_ = conn.QueryRow(ctx, "SELECT pg_size_pretty(pg_database_size(current_database()))").Scan(&size)
	r.note("growth: %d events pre-filled in %v, vacuum+analyze+checkpoint %v, database now %s", n, fill.Round(time.Second), time.Since(v).Round(time.Second), size)
	r.growthInfo = map[string]any{"events": n, "prefill_s": round3(fill.Seconds()), "database_size": size,
		"row_note": "prefilled rows are small (~110-byte body, no normalized proto, no deliveries) to save disk and time"}
	if _, ok := r.drain(ctx, r.hm); !ok {
		r.note("growth: deliveries still pending before the step")
	}
	reqs := r.build(load.Count(r.cfg.GrowthRate, r.cfg.Step))
	r.step(ctx, r.hm, fmt.Sprintf("growth-%g", r.cfg.GrowthRate), r.cfg.GrowthRate, reqs)
}
