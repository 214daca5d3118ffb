package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/postgres/pgtest"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store/storetest"
)

const day = 24 * time.Hour

func partName(table string, t time.Time) string {
	return table + "_d" + t.UTC().Format("20060102")
}

func relExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(testCtx(t), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// partitionOf names the partition holding the event of key id.
func partitionOf(t *testing.T, pool *pgxpool.Pool, eventID string) string {
	t.Helper()
	var name string
	if err := pool.QueryRow(testCtx(t), `SELECT e.tableoid::regclass::text FROM events e WHERE e.event_id = $1`, eventID).Scan(&name); err != nil {
		t.Fatalf("partition of %s: %v", eventID, err)
	}
	return name
}

func record(t *testing.T, s *postgres.Store, platform, id string, at time.Time) *ledgerv1.RecordResponse {
	t.Helper()
	resp, err := s.Record(testCtx(t), storetest.Request(platform, "", id, at))
	if err != nil {
		t.Fatalf("Record(%s): %v", id, err)
	}
	return resp
}

func getEvent(t *testing.T, s *postgres.Store, platform, id string) (*ledgerv1.GetEventResponse, error) {
	t.Helper()
	return s.GetEvent(testCtx(t), &ledgerv1.GetEventRequest{Platform: platform, EventId: id})
}

func TestPartitionsCreatedAhead(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	now := time.Now()
	for i := range 3 {
		for _, table := range []string{"events", "receipts"} {
			if name := partName(table, now.Add(time.Duration(i)*day)); !relExists(t, pool, name) {
				t.Errorf("after Migrate: %s missing", name)
			}
		}
	}
	// An event received (by a clock) ten days ahead has no day partition
	// yet: it waits in the default one, and moves into its day's when the
	// day's partition is created.
	ahead := now.Add(10 * day)
	record(t, s, "stripe", "evt_ahead", ahead)
	if got := partitionOf(t, pool, "evt_ahead"); got != "events_kept" {
		t.Errorf("event ten days ahead in %s, want events_kept", got)
	}
	if err := s.EnsurePartitions(testCtx(t), now.Add(8*day)); err != nil {
		t.Fatal(err)
	}
	if got, want := partitionOf(t, pool, "evt_ahead"), partName("events", ahead); got != want {
		t.Errorf("event ten days ahead in %s after EnsurePartitions, want %s", got, want)
	}
	if relExists(t, pool, partName("events", now.Add(11*day))) {
		t.Errorf("%s created, beyond two days ahead", partName("events", now.Add(11*day)))
	}
	got, err := getEvent(t, s, "stripe", "evt_ahead")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetReceipt().GetBody()) == 0 {
		t.Error("moved event lost its body")
	}
	// Idempotent, and an event of today lands in today's partition.
	if err := s.EnsurePartitions(testCtx(t), now); err != nil {
		t.Fatal(err)
	}
	record(t, s, "stripe", "evt_today", now)
	if got, want := partitionOf(t, pool, "evt_today"), partName("events", now); got != want {
		t.Errorf("today's event in %s, want %s", got, want)
	}
}

// retentionFixture is a store with a subscription and events received
// 40 days ago (one delivered, one pending, one dead letter), 10 days ago
// and today, each day with its partitions.
type retentionFixture struct {
	pool *pgxpool.Pool
	s    *postgres.Store
	now  time.Time
}

func newRetentionFixture(t *testing.T) retentionFixture {
	t.Helper()
	pool := pgtest.NewPool(t)
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	now := time.Now()
	f := retentionFixture{pool: pool, s: s, now: now}
	for _, back := range []time.Duration{40 * day, 10 * day} {
		if err := s.EnsurePartitions(testCtx(t), now.Add(-back)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateSubscription(testCtx(t), &ledgerv1.CreateSubscriptionRequest{Subscription: storetest.Subscription("sub")}); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-40 * day)
	for _, id := range []string{"evt_done", "evt_pending", "evt_dead"} {
		record(t, s, "stripe", id, old)
	}
	record(t, s, "stripe", "evt_10d", now.Add(-10*day))
	record(t, s, "stripe", "evt_now", now)
	f.exec(t, `UPDATE deliveries SET state = 2 WHERE event_id IN ('evt_done', 'evt_10d', 'evt_now')`)
	f.exec(t, `UPDATE deliveries SET state = 3, dead_at = now(), last_error = 'gone' WHERE event_id = 'evt_dead'`)
	f.exec(t, `INSERT INTO delivery_attempts (delivery_id, attempt, code) SELECT delivery_id, 1, '200' FROM deliveries`)
	return f
}

func (f retentionFixture) exec(t *testing.T, q string) {
	t.Helper()
	if _, err := f.pool.Exec(testCtx(t), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// snapshot counts the rows of every table retention touches.
func (f retentionFixture) snapshot(t *testing.T) string {
	t.Helper()
	var out string
	for _, table := range []string{"receipts", "events", "deliveries", "delivery_attempts", "dedup_keys"} {
		out += fmt.Sprintf("%s=%d ", table, count(t, f.pool, table))
	}
	var parts int
	if err := f.pool.QueryRow(testCtx(t), `SELECT count(*) FROM pg_inherits WHERE inhparent IN ('events'::regclass, 'receipts'::regclass)`).Scan(&parts); err != nil {
		t.Fatal(err)
	}
	return out + "partitions=" + strconv.Itoa(parts)
}

func tableReport(rep retention.Report, table string) retention.TableReport {
	for _, tr := range rep.Tables {
		if tr.Table == table {
			return tr
		}
	}
	return retention.TableReport{}
}

func TestRetentionDropsPartitionsKeepsUnfinishedWork(t *testing.T) {
	t.Parallel()
	f := newRetentionFixture(t)
	policy := retention.Policy{Limits: retention.Limits{Bodies: 7 * day, Events: 30 * day}, DedupHorizon: 60 * day,
		ExportDir: t.TempDir()}

	before := f.snapshot(t)
	dry, err := f.s.Retain(testCtx(t), policy, f.now, true)
	if err != nil {
		t.Fatal(err)
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("dry run changed the store: %s, was %s", after, before)
	}
	if !dry.DryRun || tableReport(dry, "events").Rows != 1 || len(dry.ExportFiles) != 0 {
		t.Errorf("dry run report = %+v, want one event to go and no export", dry)
	}

	rep, err := f.s.Retain(testCtx(t), policy, f.now, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %+v", rep)
	old := f.now.Add(-40 * day)
	ev, rc := tableReport(rep, "events"), tableReport(rep, "receipts")
	if ev.Rows != 1 || !slices.Contains(ev.Partitions, partName("events", old)) || ev.Bytes <= 0 {
		t.Errorf("events report %+v, want evt_done from %s", ev, partName("events", old))
	}
	// evt_done's receipt (day -40) and evt_10d's (day -10); the kept two stay.
	if rc.Rows != 2 || !slices.Contains(rc.Partitions, partName("receipts", f.now.Add(-10*day))) {
		t.Errorf("receipts report %+v, want 2 rows with %s", rc, partName("receipts", f.now.Add(-10*day)))
	}
	if d := tableReport(rep, "deliveries"); d.Rows != 1 {
		t.Errorf("deliveries report %+v, want evt_done's", d)
	}
	if a := tableReport(rep, "delivery_attempts"); a.Rows != 1 {
		t.Errorf("delivery_attempts report %+v, want evt_done's", a)
	}
	if rep.Kept != 4 { // two events, two receipts
		t.Errorf("kept = %d, want 4", rep.Kept)
	}
	if len(rep.ExportFiles) == 0 {
		t.Error("no export file written")
	}
	if dry.Tables[1].Rows != ev.Rows || dry.Tables[0].Rows != rc.Rows {
		t.Errorf("dry run said %+v, the pass did %+v", dry.Tables, rep.Tables)
	}
	for _, name := range []string{partName("events", old), partName("receipts", old), partName("receipts", f.now.Add(-10*day))} {
		if relExists(t, f.pool, name) {
			t.Errorf("%s not dropped", name)
		}
	}
	if !relExists(t, f.pool, partName("events", f.now.Add(-10*day))) {
		t.Error("events partition of 10 days ago dropped with its bodies")
	}

	// The unfinished work, whole.
	for _, id := range []string{"evt_pending", "evt_dead"} {
		got, err := getEvent(t, f.s, "stripe", id)
		if err != nil {
			t.Fatalf("%s after retention: %v", id, err)
		}
		if !bytes.Contains(got.GetReceipt().GetBody(), []byte(id)) {
			t.Errorf("%s lost its body", id)
		}
	}
	var deliveries int
	if err := f.pool.QueryRow(testCtx(t), `SELECT count(*) FROM deliveries WHERE event_id IN ('evt_pending', 'evt_dead')`).Scan(&deliveries); err != nil || deliveries != 2 {
		t.Errorf("deliveries of the unfinished events: %d (%v), want 2", deliveries, err)
	}
	// Gone, but still a duplicate.
	if _, err := getEvent(t, f.s, "stripe", "evt_done"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("evt_done after retention: %v, want not found", err)
	}
	if resp := record(t, f.s, "stripe", "evt_done", f.now); !resp.GetDuplicate() {
		t.Error("evt_done recorded again within the dedup horizon, want duplicate")
	}
	// Body dropped, event readable with an empty body.
	got, err := getEvent(t, f.s, "stripe", "evt_10d")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetReceipt().GetBody()) != 0 || got.GetEvent().GetEventId() != "evt_10d" {
		t.Errorf("evt_10d after its body's retention: body %q, event %v", got.GetReceipt().GetBody(), got.GetEvent())
	}
	if resp := record(t, f.s, "stripe", "evt_10d", f.now); !resp.GetDuplicate() {
		t.Error("evt_10d recorded again, want duplicate")
	}
	// The stream horizon passed the deleted event.
	var horizon int64
	if err := f.pool.QueryRow(testCtx(t), `SELECT id FROM event_horizon`).Scan(&horizon); err != nil || horizon == 0 {
		t.Errorf("event_horizon id = %d (%v), want the deleted event's", horizon, err)
	}

	// A second pass has nothing left; past the dedup horizon the key goes.
	rep, err = f.s.Retain(testCtx(t), policy, f.now, false)
	if err != nil || tableReport(rep, "events").Rows != 0 || tableReport(rep, "dedup_keys").Rows != 0 {
		t.Errorf("second pass: %+v, %v; want nothing", rep, err)
	}
	policy.DedupHorizon = day
	rep, err = f.s.Retain(testCtx(t), policy, f.now.Add(20*day), false)
	if err != nil {
		t.Fatal(err)
	}
	if k := tableReport(rep, "dedup_keys"); k.Rows != 1 {
		t.Errorf("dedup_keys report %+v, want evt_done's key (the only one whose event is gone)", k)
	}
	checkReferences(t, f.pool)
}

func TestRetentionPlatformBatches(t *testing.T) {
	t.Parallel()
	f := newRetentionFixture(t)
	// github keeps 5 days of events and 1 of bodies; everything else
	// 30 and 7 days: github's shorter limits go row by row.
	for i := range 3 {
		record(t, f.s, "github", "gh_"+strconv.Itoa(i), f.now.Add(-10*day))
		record(t, f.s, "github", "gh_body_"+strconv.Itoa(i), f.now.Add(-2*day))
	}
	f.exec(t, `UPDATE deliveries SET state = 2 WHERE platform = 'github'`)
	policy := retention.Policy{
		Limits:    retention.Limits{Bodies: 7 * day, Events: 30 * day},
		Platforms: map[string]retention.Limits{"github": {Events: 5 * day, Bodies: day}},
		ExportDir: t.TempDir(),
	}
	rep, err := f.s.Retain(testCtx(t), policy, f.now, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %+v", rep)
	// What went row by row was exported first: gh_* events, and the
	// receipts of gh_* and gh_body_*.
	var exported []byte
	for _, path := range rep.ExportFiles {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		exported = append(exported, b...)
	}
	for i := range 3 {
		for _, want := range []string{`"event_id":"gh_` + strconv.Itoa(i) + `"`, `"event_id" : "gh_body_` + strconv.Itoa(i) + `"`} {
			if !bytes.Contains(exported, []byte(want)) {
				t.Errorf("export files %v lack %s:\n%s", rep.ExportFiles, want, exported)
			}
		}
	}
	for i := range 3 {
		if _, err := getEvent(t, f.s, "github", "gh_"+strconv.Itoa(i)); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("gh_%d: %v, want not found", i, err)
		}
		got, err := getEvent(t, f.s, "github", "gh_body_"+strconv.Itoa(i))
		if err != nil || len(got.GetReceipt().GetBody()) != 0 {
			t.Errorf("gh_body_%d: %v, body %q; want the event without its body", i, err, got.GetReceipt().GetBody())
		}
	}
	if _, err := getEvent(t, f.s, "stripe", "evt_now"); err != nil {
		t.Errorf("stripe's event of today: %v", err)
	}
	checkReferences(t, f.pool)
}

func TestRetentionSizes(t *testing.T) {
	t.Parallel()
	f := newRetentionFixture(t)
	f.exec(t, `ANALYZE receipts, events, deliveries, delivery_attempts, dedup_keys`)
	sz, err := f.s.RetentionSizes(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"receipts", "events", "deliveries", "delivery_attempts", "dedup_keys"}
	if len(sz.Tables) != len(want) {
		t.Fatalf("sizes %+v, want %v", sz, want)
	}
	for i, ts := range sz.Tables {
		if ts.Table != want[i] || ts.Bytes <= 0 || ts.Rows != 5 {
			t.Errorf("size %+v, want table %s with 5 rows and bytes", ts, want[i])
		}
	}
	if d := sz.OldestEvent.Sub(f.now.Add(-40 * day)); d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("oldest event %v, want %v", sz.OldestEvent, f.now.Add(-40*day))
	}
}

func TestRetentionWhileRecording(t *testing.T) {
	t.Parallel()
	f := newRetentionFixture(t)
	// Ten expired days, each with events, for the passes to drop while
	// webhooks keep arriving.
	for i := range 10 {
		at := f.now.Add(-time.Duration(50+3*i) * day)
		if err := f.s.EnsurePartitions(testCtx(t), at); err != nil {
			t.Fatal(err)
		}
		for j := range 3 {
			record(t, f.s, "stripe", fmt.Sprintf("old_%d_%d", i, j), at.Add(time.Duration(j)*day))
		}
	}
	f.exec(t, `UPDATE deliveries SET state = 2 WHERE event_id LIKE 'old_%'`)
	ctx, cancel := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	var failed sync.Map
	recorded := make([]int, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				id := fmt.Sprintf("live_%d_%d", w, i)
				if _, err := f.s.Record(context.Background(), storetest.Request("stripe", "", id, time.Now())); err != nil {
					failed.Store(id, err)
				}
				recorded[w]++
			}
		})
	}
	policy := retention.Policy{Limits: retention.Limits{Bodies: 7 * day, Events: 30 * day}}
	var dropped int64
	for range 3 {
		rep, err := f.s.Retain(testCtx(t), policy, f.now, false)
		if err != nil {
			t.Error(err)
		}
		t.Logf("pass: %+v", rep)
		dropped += tableReport(rep, "events").Rows
	}
	// Keep recording a little after the passes.
	for i := 0; i < 20 && ctx.Err() == nil; i++ {
		record(t, f.s, "stripe", "after_"+strconv.Itoa(i), time.Now())
	}
	cancel()
	wg.Wait()
	failed.Range(func(k, v any) bool {
		t.Errorf("Record %v failed during retention: %v", k, v)
		return true
	})
	if dropped != 31 { // 30 old events and evt_done
		t.Errorf("passes dropped %d events, want 31", dropped)
	}
	total := 0
	for _, n := range recorded {
		total += n
	}
	var live int
	if err := f.pool.QueryRow(testCtx(t), `SELECT count(*) FROM events WHERE event_id LIKE 'live_%'`).Scan(&live); err != nil || live != total {
		t.Errorf("%d live events stored (%v), %d recorded", live, err, total)
	}
	checkReferences(t, f.pool)
}

func TestRetentionOneLedgerAtATime(t *testing.T) {
	t.Parallel()
	f := newRetentionFixture(t)
	conn, err := f.pool.Acquire(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	// Another ledger's pass holds the lock.
	if _, err := conn.Exec(testCtx(t), `SELECT pg_advisory_lock(hashtext('hookmesh.ledger.retention.' || current_schema()))`); err != nil {
		t.Fatal(err)
	}
	rep, err := f.s.Retain(testCtx(t), retention.Policy{Limits: retention.Limits{Events: 30 * day}}, f.now, false)
	if err != nil || tableReport(rep, "events").Rows != 0 {
		t.Errorf("pass beside another: %+v, %v; want an empty report", rep, err)
	}
	if _, err := getEvent(t, f.s, "stripe", "evt_done"); err != nil {
		t.Errorf("evt_done dropped by a pass that did not hold the lock: %v", err)
	}
}

// TestMigrateToPartitions migrates a store at 0011, with rows, to the
// partitioned layout: every row stays readable and dedup keeps working.
func TestMigrateToPartitions(t *testing.T) {
	t.Parallel()
	cfg := pgtest.NewConfig(t)
	migrateTo(t, cfg, 11)
	ctx := testCtx(t)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Rows as the ledgers before 0012 wrote them, with a delivery each.
	if _, err := pool.Exec(ctx, `
INSERT INTO subscriptions (name, target, timeout_ms, max_concurrency) VALUES ('sub', 'dns:///h:9000', 1000, 1);
WITH rc AS (
    INSERT INTO receipts (receipt_id, platform, event_id, body, received_at)
    SELECT gen_random_uuid(), 'stripe', 'old_' || i, convert_to('{"id":"old_' || i || '"}', 'UTF8'), now() - i * interval '1 hour'
    FROM generate_series(1, 50) i RETURNING receipt_id, event_id, received_at
), ev AS (
    INSERT INTO events (platform, event_id, receipt_id, event_type, received_at)
    SELECT 'stripe', event_id, receipt_id, 1, received_at FROM rc RETURNING id, event_id
)
INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, event_id, next_attempt_at)
SELECT gen_random_uuid(), 'sub', id, 'stripe', event_id, now() FROM ev`); err != nil {
		t.Fatal(err)
	}
	pool.Close()

	pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	applied, err := postgres.Migrate(ctx, pool)
	if err != nil || !slices.Equal(applied, []int{12}) {
		t.Fatalf("Migrate = %v, %v; want [12]", applied, err)
	}
	s := postgres.New(pool)
	t.Cleanup(s.Close)
	for i := 1; i <= 50; i++ {
		id := "old_" + strconv.Itoa(i)
		got, err := getEvent(t, s, "stripe", id)
		if err != nil {
			t.Fatalf("%s after the migration: %v", id, err)
		}
		if !bytes.Contains(got.GetReceipt().GetBody(), []byte(id)) {
			t.Errorf("%s: body %q", id, got.GetReceipt().GetBody())
		}
	}
	if got := partitionOf(t, pool, "old_1"); got != "events_legacy" {
		t.Errorf("old event in %s, want events_legacy", got)
	}
	if resp := record(t, s, "stripe", "old_7", time.Now()); !resp.GetDuplicate() {
		t.Error("event recorded before the migration recorded again: want duplicate")
	}
	if resp := record(t, s, "stripe", "new_1", time.Now()); resp.GetDuplicate() {
		t.Error("new event answered duplicate")
	}
	list, err := s.ListEvents(ctx, &ledgerv1.ListEventsRequest{PageSize: 100})
	if err != nil || len(list.GetEvents()) != 51 {
		t.Fatalf("ListEvents: %d events, %v; want 51", len(list.GetEvents()), err)
	}
	if list.GetEvents()[0].GetEventId() != "new_1" {
		t.Errorf("newest event listed first is %s, want new_1", list.GetEvents()[0].GetEventId())
	}
	// The legacy partition drops whole once all its events expired; its
	// pending deliveries (every one here) stay, with their events.
	f := retentionFixture{pool: pool, s: s}
	f.exec(t, `UPDATE deliveries SET state = 2 WHERE event_id <> 'old_3'`)
	rep, err := s.Retain(ctx, retention.Policy{Limits: retention.Limits{Events: day}}, time.Now().Add(3*day), false)
	if err != nil {
		t.Fatal(err)
	}
	// 49 legacy events and new_1, whose day has passed too.
	if ev := tableReport(rep, "events"); ev.Rows != 50 || !slices.Contains(ev.Partitions, "events_legacy") {
		t.Errorf("events report %+v, want 50 rows, events_legacy dropped", ev)
	}
	if _, err := getEvent(t, s, "stripe", "old_3"); err != nil {
		t.Errorf("pending event old_3 after the legacy partition dropped: %v", err)
	}
	checkReferences(t, pool)
}
