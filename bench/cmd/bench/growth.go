package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/hookmesh/sample"

	"github.com/hookmesh/hookmesh/bench/internal/load"
)

// Growth fills the ledger with GrowthEvents events straight in SQL, as a
// ledger that ran for a month would hold them, then repeats one open-loop
// step, then restarts the ledger with a retention policy
// (growthRetention) and runs one pass through ApplyRetention.
//
// Each pre-filled event is a receipt with the body and headers of the
// mix's Stripe sample (~2 KB, the event id made unique per row), its
// event row (with a 256-byte stand-in for the normalized proto), its
// dedup key, one finished delivery to the bench's subscription (state
// delivered) and that delivery's attempt; received_at spread over the
// last 30 days. The rows follow the ledger's partitioned layout
// (PostgreSQL migration 0012): an event's id is its UTC day shifted left
// 36 bits plus a sequence number, its receipt's part_id the day's first
// id, and each day has its partitions, created by prefillPartitions.
// Every index of the schema is maintained as in production. (The
// ledger's own scale benchmarks, services/ledger/internal/store/postgres
// scale_bench_test.go, fill the same tables for the migration and a
// retention pass alone; that package is internal to the ledger's module.)
const prefillAt = `(now() - interval '30 days' + make_interval(secs => g * $3::float8))`

// prefillID is the event id of row g (see the ledger's partition.go).
const prefillID = `((floor(extract(epoch FROM ` + prefillAt + `) / 86400)::bigint << 36) | g)`

// prefillPlatform is row g's platform: the tables' platform columns take
// the mix's spread, the bodies are all Stripe's.
const prefillPlatform = `(ARRAY['stripe','stripe','shopify','github','slack'])[1 + g % 5]`

// prefillReceipts takes the body template ($4), the sample's event id
// within it ($5, replaced by the row's) and the headers ($6).
const prefillReceipts = `INSERT INTO receipts (receipt_id, platform, event_id, headers, body, remote_addr, received_at, part_id)
SELECT md5('prefill' || g)::uuid, ` + prefillPlatform + `, 'prefill_' || g, $6::jsonb,
       convert_to(replace($4::text, $5::text, 'prefill_' || g), 'UTF8'), '198.51.100.20:443',
       ` + prefillAt + `, ` + prefillID + ` >> 36 << 36
FROM generate_series($1::bigint, $2::bigint) AS g`

const prefillEvents = `INSERT INTO events (id, platform, event_id, receipt_id, event_type, source_event_type, occurred_at, received_at,
                    entity_type, entity_id, amount_minor, currency, schema_version, normalized, metadata)
SELECT ` + prefillID + `, ` + prefillPlatform + `, 'prefill_' || g, md5('prefill' || g)::uuid,
       10, 'payment_intent.succeeded', ` + prefillAt + `, ` + prefillAt + `,
       'payment', 'pi_' || g, g % 100000, 'usd', 1,
       decode(repeat(md5('n' || g), 16), 'hex'), jsonb_build_object('source', 'prefill')
FROM generate_series($1::bigint, $2::bigint) AS g`

const prefillKeys = `INSERT INTO dedup_keys (platform, event_id, source, event_row_id, receipt_id, received_at)
SELECT ` + prefillPlatform + `, 'prefill_' || g, '', ` + prefillID + `, md5('prefill' || g)::uuid, ` + prefillAt + `
FROM generate_series($1::bigint, $2::bigint) AS g`

// prefillDeliveries: one delivery per event to the bench's subscription,
// delivered on its first attempt 30 ms after receipt (finished work:
// the dispatcher never claims it, retention may drop it).
const prefillDeliveries = `INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, event_id, next_attempt_at, state, attempts)
SELECT md5('prefill-d' || g)::uuid, 'bench-sink', ` + prefillID + `, ` + prefillPlatform + `, 'prefill_' || g,
       ` + prefillAt + ` + interval '30 ms', 2, 1
FROM generate_series($1::bigint, $2::bigint) AS g`

const prefillAttempts = `INSERT INTO delivery_attempts (delivery_id, attempt, at, code, dispatcher_id, duration_us)
SELECT md5('prefill-d' || g)::uuid, 1, ` + prefillAt + ` + interval '30 ms', '200', 'dispatcher-1', 15000 + g % 20000
FROM generate_series($1::bigint, $2::bigint) AS g`

// prefillPartitions creates the day partitions of the last 31 days that
// the ledger (which creates today's and the next two days') has not: the
// same names and ranges as its EnsurePartitions (TestPrefillMatchesLedgerLayout
// checks them, and the rows' ids, against a database the ledger migrated).
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

// growthRetention is the policy of the retention pass after the growth
// step: over 30 days of history, about half the events go whole (their
// partitions dropped) and the bodies of another week are cleared.
const growthRetention = "bodies=7d events=14d"

// Disk guard: the pre-fill measures the database's growth over its first
// prefillProbe events and stops at what the free space of the data
// directory's file system allows, keeping diskMargin of it (WAL,
// checkpoints, the step's own writes, other users of the disk) plus
// diskReserve bytes.
const (
	prefillProbe = 20_000
	prefillBatch = 100_000
	diskMargin   = 0.25
	diskReserve  = 5 << 30
)

// prefillTemplate is the body template, the event id in it and the
// headers (as the edge stores them: lower-case names) of the pre-filled
// receipts: the mix's Stripe sample, signed as the load generator signs it.
func prefillTemplate(now time.Time) (body, id string, headers []byte, err error) {
	w, err := sample.Build("stripe", "payment_intent.succeeded", now)
	if err != nil {
		return "", "", nil, err
	}
	h, b, err := w.Sign("whsec_bench_prefill", now, "")
	if err != nil {
		return "", "", nil, err
	}
	if w.EventID == "" || !strings.Contains(string(b), w.EventID) {
		return "", "", nil, fmt.Errorf("the Stripe sample's body does not hold its event id %q", w.EventID)
	}
	lower := map[string][]string{}
	for k, v := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Connection":
			continue
		}
		lower[strings.ToLower(k)] = v
	}
	lower["user-agent"] = []string{"Stripe/1.0 (+https://stripe.com/docs/webhooks)"}
	headers, err = json.Marshal(lower)
	return string(b), w.EventID, headers, err
}

// fitEvents caps want at what free bytes allow when each event takes
// perEvent bytes, keeping diskMargin of free and diskReserve; done events
// are already stored. perEvent <= 0 or free < 0 (unknown) leaves want.
func fitEvents(want, done int, perEvent float64, free int64) int {
	if perEvent <= 0 || free < 0 {
		return want
	}
	usable := float64(free)*(1-diskMargin) - diskReserve
	more := int(max(usable, 0) / perEvent)
	return min(want, done+more)
}

// freeBytes is the space left to unprivileged users on the file system
// holding the database's data directory, -1 when it cannot be known (a
// server on another machine, or a role that may not read the setting).
func freeBytes(ctx context.Context, conn *pgx.Conn) (int64, string) {
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return -1, ""
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return -1, dir
	}
	return int64(fs.Bavail) * int64(fs.Bsize), dir
}

func dbSize(ctx context.Context, conn *pgx.Conn) int64 {
	var n int64
	if err := conn.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n); err != nil {
		fatalf("growth: database size: %v", err)
	}
	return n
}

func (r *run) growth(ctx context.Context) {
	want := r.cfg.GrowthEvents
	fmt.Printf("bench: growth: pre-filling the ledger with up to %d events (~2 KB bodies, one delivery and attempt each)\n", want)
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
	body, id, headers, err := prefillTemplate(time.Now())
	if err != nil {
		fatalf("growth: %v", err)
	}
	emptySize := dbSize(ctx, conn)
	began := time.Now()
	// The spacing is fixed by the count asked for: a capped fill covers
	// the oldest days only partly, the partitions' layout is unchanged.
	spacing := 30 * 24 * 3600 / float64(want)
	n, perEvent := want, 0.0
	var free int64 = -1
	var dataDir string
	for lo := 1; lo <= n; {
		hi := min(lo+prefillBatch-1, n)
		if lo == 1 {
			hi = min(prefillProbe, n)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{prefillReceipts, []any{lo, hi, spacing, body, id, string(headers)}},
			{prefillEvents, []any{lo, hi, spacing}},
			{prefillKeys, []any{lo, hi, spacing}},
			{prefillDeliveries, []any{lo, hi, spacing}},
			{prefillAttempts, []any{lo, hi, spacing}},
		} {
			if _, err := conn.Exec(ctx, q.sql, q.args...); err != nil {
				fatalf("growth: pre-fill rows %d-%d: %v", lo, hi, err)
			}
		}
		if lo == 1 {
			perEvent = float64(dbSize(ctx, conn)-emptySize) / float64(hi)
			free, dataDir = freeBytes(ctx, conn)
			if c := fitEvents(want, hi, perEvent, free); c < want {
				n = c
				r.note("growth: disk guard: %.0f bytes per event over the first %d, %.1f GiB free in %s: capped at %d events (of %d asked)",
					perEvent, hi, float64(free)/(1<<30), dataDir, n, want)
			}
		}
		fmt.Printf("\r  %d / %d events (%v)", hi, n, time.Since(began).Round(time.Second))
		lo = hi + 1
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
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) receipts, events, dedup_keys, deliveries, delivery_attempts"); err != nil {
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
	size := dbSize(ctx, conn)
	r.note("growth: %d events pre-filled in %v, vacuum+analyze+checkpoint %v, database now %s (%.0f bytes per event)",
		n, fill.Round(time.Second), time.Since(v).Round(time.Second), gib(size), float64(size-emptySize)/float64(n))
	r.growthInfo = map[string]any{"events": n, "events_asked": want, "prefill_s": round3(fill.Seconds()),
		"database_size": gib(size), "database_bytes": size, "bytes_per_event": round3(float64(size-emptySize) / float64(n)),
		"row_note": fmt.Sprintf("prefilled rows: %d-byte Stripe sample body with its headers, 256-byte normalized stand-in, one delivered delivery and one attempt per event, over 30 days", len(body))}
	if free >= 0 {
		r.growthInfo["disk_free_at_probe_bytes"] = free
	}
	if _, ok := r.drain(ctx, r.hm); !ok {
		r.note("growth: deliveries still pending before the step")
	}
	reqs := r.build(load.Count(r.cfg.GrowthRate, r.cfg.Step))
	r.step(ctx, r.hm, fmt.Sprintf("growth-%g", r.cfg.GrowthRate), r.cfg.GrowthRate, reqs)
	if ctx.Err() == nil {
		r.growthInfo["retention"] = r.retentionPass(ctx, conn)
	}
}

// gib formats a byte count in GiB, or MiB below one GiB.
func gib(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}

// retentionTable is one table's part of a retention pass, from the
// ApplyRetention report.
type retentionTable struct {
	Table      string `json:"table"`
	Rows       int64  `json:"rows"`
	Bytes      int64  `json:"bytes"`
	Partitions int    `json:"partitions_dropped"`
}

// retentionResult is the retention pass after the growth step.
type retentionResult struct {
	Policy string           `json:"policy"`
	PassS  float64          `json:"pass_s"` // the ledger's own measure (took)
	CallS  float64          `json:"call_s"` // the RPC as the bench saw it
	Tables []retentionTable `json:"tables"`
	Kept   int64            `json:"kept"`
	// Database sizes (pg_database_size): before the pass, right after
	// it, and after a plain VACUUM of the five tables (which makes the
	// deleted rows' space reusable; the file system sees only what
	// dropped partitions and truncated tails give back).
	BeforeBytes int64   `json:"database_bytes_before"`
	AfterBytes  int64   `json:"database_bytes_after"`
	VacuumBytes int64   `json:"database_bytes_after_vacuum"`
	VacuumS     float64 `json:"vacuum_s"`
	Error       string  `json:"error,omitempty"`
}

// summary is the result's printed line.
func (rr *retentionResult) summary() string {
	if rr.Error != "" {
		return "retention pass failed: " + rr.Error
	}
	var b strings.Builder
	fmt.Fprintf(&b, "retention pass (%s): %.1f s; database %s before, %s after, %s after VACUUM (%.1f s); dropped:",
		rr.Policy, rr.PassS, gib(rr.BeforeBytes), gib(rr.AfterBytes), gib(rr.VacuumBytes), rr.VacuumS)
	for _, t := range rr.Tables {
		fmt.Fprintf(&b, " %s %d rows / %s", t.Table, t.Rows, gib(t.Bytes))
		if t.Partitions > 0 {
			fmt.Fprintf(&b, " (%d partitions)", t.Partitions)
		}
		b.WriteString(",")
	}
	fmt.Fprintf(&b, " kept %d", rr.Kept)
	return b.String()
}

// retentionPass restarts the services' ledger with growthRetention (the
// measured steps ran without a policy, as the bench's ledger always
// does) and runs one pass through ApplyRetention, measuring the database
// around it.
func (r *run) retentionPass(ctx context.Context, conn *pgx.Conn) *retentionResult {
	rr := &retentionResult{Policy: growthRetention}
	fail := func(err error) *retentionResult {
		rr.Error = err.Error()
		r.note("growth: %s", rr.summary())
		return rr
	}
	rr.BeforeBytes = dbSize(ctx, conn)
	// The periodic runner's first pass comes 30 s after the start; the
	// interval keeps it from coming back during the measure. The pass
	// below starts first; one started while it runs does nothing.
	// Admin methods need a token (or a client certificate with the admin
	// role): the restarted ledger gets one, and the call sends it.
	const token = "bench-admin-token-0123456789"
	addr, err := r.hm.restartLedger(map[string]string{"HOOKMESH_RETENTION": growthRetention, "HOOKMESH_RETENTION_INTERVAL": "1000h",
		"HOOKMESH_ADMIN_TOKEN": token})
	if err != nil {
		return fail(err)
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fail(fmt.Errorf("ledger client: %w", err))
	}
	defer cc.Close()
	// Generous: a pass over tens of millions of rows deletes the
	// unpartitioned tables' rows in batches.
	cctx, cancel := context.WithTimeout(ctx, 2*time.Hour)
	defer cancel()
	cctx = metadata.AppendToOutgoingContext(cctx, "authorization", "Bearer "+token)
	fmt.Printf("bench: growth: retention pass (%s)\n", growthRetention)
	began := time.Now()
	resp, err := ledgerv1.NewLedgerServiceClient(cc).ApplyRetention(cctx, &ledgerv1.ApplyRetentionRequest{})
	if err != nil {
		return fail(fmt.Errorf("ApplyRetention: %w", err))
	}
	rr.CallS = round3(time.Since(began).Seconds())
	rr.PassS = round3(resp.GetTook().AsDuration().Seconds())
	rr.Kept = resp.GetKept()
	for _, t := range resp.GetTables() {
		rr.Tables = append(rr.Tables, retentionTable{Table: t.GetTable(), Rows: t.GetRows(), Bytes: t.GetBytes(), Partitions: len(t.GetPartitions())})
	}
	rr.AfterBytes = dbSize(ctx, conn)
	v := time.Now()
	if _, err := conn.Exec(ctx, "VACUUM receipts, events, dedup_keys, deliveries, delivery_attempts"); err != nil {
		return fail(fmt.Errorf("vacuum after the pass: %w", err))
	}
	rr.VacuumS = round3(time.Since(v).Seconds())
	rr.VacuumBytes = dbSize(ctx, conn)
	r.note("growth: %s", rr.summary())
	return rr
}

// ledgerRestartEnv is env with extra over it, for a restarted ledger.
func ledgerRestartEnv(env, extra map[string]string) map[string]string {
	e := maps.Clone(env)
	maps.Copy(e, extra)
	return e
}
