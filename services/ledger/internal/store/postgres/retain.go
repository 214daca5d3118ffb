package postgres

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
)

var _ retention.Store = (*Store)(nil)

// retainBatch bounds every row-by-row statement of a retention pass.
const retainBatch = 5000

// batchStart is the first cursor of batches in receipt time order: before
// any event.
var batchStart = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)

// unfinishedSQL holds for an event e with a pending delivery or a dead
// letter (or scheduled for re-normalization, which reads its body again): the
// unfinished work retention never drops.
var unfinishedSQL = unfinishedOn("e")

// unfinishedOn is unfinishedSQL on events aliased a.
func unfinishedOn(a string) string {
	return `(EXISTS (SELECT 1 FROM deliveries d WHERE d.event_row_id = ` + a + `.id AND d.state IN (1, 3)) OR ` +
		a + `.renormalize_at IS NOT NULL)`
}

// siblingKeptSQL holds for an event aliased a whose receipt another
// event of the same delivery (a batch item: same receipt, same receive
// time, found through events_received_at_idx) needs as unfinished work:
// that receipt stays while the sibling does.
func siblingKeptSQL(a string) string {
	return `EXISTS (SELECT 1 FROM events o WHERE o.received_at = ` + a + `.received_at AND o.receipt_id = ` + a +
		`.receipt_id AND o.id <> ` + a + `.id AND ` + unfinishedOn("o") + `)`
}

// Retain applies p as of now (see retention.Store). How:
//
//   - The global limits (the longest of each kind over the platforms, when
//     no platform keeps forever) drop whole day partitions. A day's
//     finished deliveries and their attempts go first, in batches; then, in
//     one short transaction, the partition is detached, its unfinished
//     work (events with a pending delivery or a dead letter, and their
//     receipts) is copied into the default partitions events_kept and
//     receipts_kept, the stream horizon moves past its events, and it is
//     dropped. A receipts partition goes alone when only the bodies limit
//     has passed: its events stay, with empty bodies.
//   - What remains older than a limit (a platform with a shorter limit,
//     events_legacy, the default partitions, a day not yet wholly expired)
//     is deleted in batches of retainBatch rows.
//   - Dedup keys older than the dedup horizon, whose event is gone, are
//     deleted in batches.
//
// A session advisory lock makes one ledger do the pass; the others return
// an empty report.
func (s *Store) Retain(ctx context.Context, p retention.Policy, now time.Time, dryRun bool) (retention.Report, error) {
	start := time.Now()
	rep := retention.Report{DryRun: dryRun, Now: now}
	if !p.Enabled() {
		return rep, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return rep, mapErr("retention", err)
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('hookmesh.ledger.retention.' || current_schema()))`).Scan(&locked); err != nil {
		return rep, mapErr("retention: lock", err)
	}
	if !locked {
		return rep, nil
	}
	defer func() {
		// A fresh context: the lock must go even when ctx is done, or the
		// connection goes back to the pool holding it.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock(hashtext('hookmesh.ledger.retention.' || current_schema()))`); err != nil {
			conn.Conn().Close(uctx) //nolint:errcheck // closing the session releases the lock
		}
	}()
	r := &retainer{pool: s.pool, conn: conn.Conn(), p: p, now: now, dryRun: dryRun, tables: map[string]*retention.TableReport{}}
	err = r.run(ctx)
	// Closed whatever the pass did: a batch file stays open from its first
	// batch to here.
	if cerr := r.closeBatchFiles(); err == nil {
		err = cerr
	}
	if err != nil {
		return rep, mapErr("retention", err)
	}
	for _, name := range []string{"receipts", "events", "deliveries", "delivery_attempts", "dedup_keys"} {
		if t := r.tables[name]; t != nil {
			rep.Tables = append(rep.Tables, *t)
		} else {
			rep.Tables = append(rep.Tables, retention.TableReport{Table: name})
		}
	}
	rep.Kept = r.kept
	rep.ExportFiles = r.exports
	rep.Took = time.Since(start)
	return rep, nil
}

// retainer is one retention pass.
type retainer struct {
	pool    *pgxpool.Pool
	conn    *pgx.Conn
	p       retention.Policy
	now     time.Time
	dryRun  bool
	tables  map[string]*retention.TableReport
	kept    int64
	exports []string
	// batchFiles are the export files of rows deleted in batches, by name,
	// open from their first batch to the end of the pass (closeBatchFiles).
	batchFiles map[string]*batchFile
	// dropping lists the partitions this pass drops (or would drop), which
	// the batches skip.
	dropping []string
	// taken holds, for a dry run, the conditions (on events e) of the
	// events the batches would delete: later steps that a real pass runs
	// after those deletions (bodies, dedup keys) must not count them as
	// still there.
	taken []string
}

// goneSQL is the condition (on events e) of an event a dry run has
// counted as gone: in a partition it drops, or taken by a batch. Never
// true in a real pass, whose deletions later steps see.
func (r *retainer) goneSQL() string {
	if !r.dryRun {
		return "false"
	}
	conds := append([]string{}, r.taken...)
	if len(r.dropping) > 0 {
		names := make([]string, len(r.dropping))
		for i, n := range r.dropping {
			names[i] = "to_regclass('" + n + "')"
		}
		conds = append(conds, fmt.Sprintf("(e.tableoid IN (%s) AND NOT %s)", strings.Join(names, ", "), unfinishedSQL))
	}
	if len(conds) == 0 {
		return "false"
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// add counts rows and bytes gone from table, and a partition dropped.
func (r *retainer) add(table string, rows, bytes int64, partition string) {
	t := r.tables[table]
	if t == nil {
		t = &retention.TableReport{Table: table}
		r.tables[table] = t
	}
	t.Rows += rows
	t.Bytes += bytes
	if partition != "" {
		t.Partitions = append(t.Partitions, partition)
	}
}

// scope is a set of platforms sharing limits: one override, or (others)
// every platform without one.
type scope struct {
	platforms []string
	others    bool
	events    time.Duration // 0: forever
	bodies    time.Duration // effective: never longer than events; 0: forever
}

// scopes returns the policy's scopes with their effective limits.
func (r *retainer) scopes() []scope {
	eff := func(l retention.Limits) scope {
		sc := scope{events: l.Events, bodies: l.Bodies}
		if sc.events > 0 && (sc.bodies == 0 || sc.bodies > sc.events) {
			sc.bodies = sc.events
		}
		return sc
	}
	var names []string
	for name := range r.p.Platforms {
		names = append(names, name)
	}
	slices.Sort(names)
	out := []scope{}
	g := eff(r.p.Limits)
	g.others, g.platforms = true, names
	out = append(out, g)
	for _, name := range names {
		sc := eff(r.p.For(name))
		sc.platforms = []string{name}
		out = append(out, sc)
	}
	return out
}

// longest is the longest limit over the scopes (events or bodies), 0 when
// one of them keeps forever.
func longest(scs []scope, events bool) time.Duration {
	var m time.Duration
	for _, sc := range scs {
		l := sc.bodies
		if events {
			l = sc.events
		}
		if l == 0 {
			return 0
		}
		m = max(m, l)
	}
	return m
}

func (r *retainer) run(ctx context.Context) error {
	scs := r.scopes()
	eventsAge, bodiesAge := longest(scs, true), longest(scs, false)
	if err := r.dropPartitions(ctx, eventsAge, bodiesAge); err != nil {
		return err
	}
	// A scope whose limit the partition drops apply needs batches only in
	// the partitions that are not days (events_legacy, the default one);
	// the rest of a day goes with its day, at most a day past the limit.
	// A scope with a shorter limit scans every partition.
	sources := func(age, dropped time.Duration) []string {
		if dropped > 0 && age >= dropped {
			return []string{"events_legacy", "events_kept"}
		}
		return []string{"events"}
	}
	for _, sc := range scs {
		if sc.events > 0 {
			for _, src := range sources(sc.events, eventsAge) {
				if err := r.deleteEvents(ctx, sc, src); err != nil {
					return err
				}
			}
		}
		if sc.bodies > 0 && (sc.events == 0 || sc.bodies < sc.events) {
			for _, src := range sources(sc.bodies, bodiesAge) {
				if err := r.deleteBodies(ctx, sc, src); err != nil {
					return err
				}
			}
		}
	}
	return r.deleteKeys(ctx, max(r.p.Horizon(), longest(scs, true)))
}

// partition is a day partition (or a legacy one) of events or receipts.
type partition struct {
	name string
	// lo, hi: its range of ids (events) or part ids (receipts).
	lo, hi int64
	// newest is when its newest possible row was received: the end of its
	// day, or for a legacy partition its greatest received_at.
	newest time.Time
}

// partitions lists table's day partitions and its legacy partition, oldest
// first.
func (r *retainer) partitions(ctx context.Context, table string) ([]partition, error) {
	rows, err := r.conn.Query(ctx, `SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`, table)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var out []partition
	for _, name := range names {
		switch {
		case name == table+"_legacy":
			var newest *time.Time
			if err := r.conn.QueryRow(ctx, `SELECT max(received_at) FROM events_legacy`).Scan(&newest); err != nil {
				return nil, err
			}
			if newest == nil { // empty: it may go
				newest = &time.Time{}
			}
			out = append(out, partition{name: name, lo: -1 << 63, hi: legacyEnd, newest: *newest})
		case strings.HasPrefix(name, table+"_d"):
			day, err := time.Parse("20060102", strings.TrimPrefix(name, table+"_d"))
			if err != nil {
				continue // not one of ours
			}
			d := dayOf(day)
			out = append(out, partition{name: name, lo: d << dayShift, hi: (d + 1) << dayShift, newest: dayStart(d + 1)})
		}
	}
	slices.SortFunc(out, func(a, b partition) int { return a.newest.Compare(b.newest) })
	return out, nil
}

// dropPartitions drops the partitions of events older than eventsAge and
// those of receipts older than bodiesAge (0: none).
func (r *retainer) dropPartitions(ctx context.Context, eventsAge, bodiesAge time.Duration) error {
	if bodiesAge == 0 {
		return nil // bodiesAge <= eventsAge whenever both are set
	}
	evParts, err := r.partitions(ctx, "events")
	if err != nil {
		return err
	}
	rcParts, err := r.partitions(ctx, "receipts")
	if err != nil {
		return err
	}
	// Receipts first: a receipts partition past the bodies limit goes
	// whether or not its events' partition goes. tried holds the days
	// (their first id) this loop tried, dropped or not.
	tried := map[int64]bool{}
	for _, rp := range rcParts {
		if rp.newest.After(r.now.Add(-bodiesAge)) {
			break
		}
		var ev *partition
		if eventsAge > 0 && !rp.newest.After(r.now.Add(-eventsAge)) {
			for i := range evParts {
				if evParts[i].lo == rp.lo {
					ev = &evParts[i]
				}
			}
		}
		if err := r.dropDay(ctx, ev, &rp); err != nil {
			return err
		}
		tried[rp.lo] = true
	}
	if eventsAge == 0 {
		return nil
	}
	for _, ep := range evParts {
		if ep.newest.After(r.now.Add(-eventsAge)) {
			break
		}
		// A day tried above is done for this pass: its events partition
		// went with its receipts, or their locks were not granted in time
		// and the next pass tries again. Trying its events alone now would
		// wait for the same lock once more, and split the day (for the
		// legacy partitions, receipts_legacy without events_legacy).
		if tried[ep.lo] {
			continue
		}
		if err := r.dropDay(ctx, &ep, nil); err != nil {
			return err
		}
	}
	return nil
}

// dropDay drops an events partition ev, a receipts partition rc, or both
// (of the same day), keeping their unfinished work.
func (r *retainer) dropDay(ctx context.Context, ev, rc *partition) error {
	var lo, hi int64
	if ev != nil {
		lo, hi = ev.lo, ev.hi
	} else {
		lo, hi = rc.lo, rc.hi
	}
	// keptEvents are the unfinished events of the day, wherever they are.
	keptEvents := fmt.Sprintf(`SELECT e.id, e.receipt_id FROM events e WHERE e.id >= %d AND e.id < %d AND %s`, lo, hi, unfinishedSQL)
	if ev != nil {
		keptEvents = fmt.Sprintf(`SELECT e.id, e.receipt_id FROM %s e WHERE %s`, ident(ev.name), unfinishedSQL)
		if err := r.deleteDeliveries(ctx, fmt.Sprintf(`d.event_row_id >= %d AND d.event_row_id < %d`, lo, hi)); err != nil {
			return err
		}
	}
	if r.p.ExportDir != "" && !r.dryRun {
		if ev != nil {
			if err := r.export(ctx, ev.name, fmt.Sprintf(`SELECT row_to_json(e)::text FROM %s e WHERE NOT %s`, ident(ev.name), unfinishedSQL)); err != nil {
				return err
			}
		}
		if rc != nil {
			if err := r.export(ctx, rc.name, fmt.Sprintf(`SELECT `+receiptJSONSQL+`
FROM %s r WHERE r.receipt_id NOT IN (SELECT receipt_id FROM (%s) k)`, ident(rc.name), keptEvents)); err != nil {
				return err
			}
		}
	}
	do := func(ctx context.Context, tx pgx.Tx) error {
		if ev != nil {
			if !r.dryRun {
				if _, err := tx.Exec(ctx, `ALTER TABLE events DETACH PARTITION `+ident(ev.name)); err != nil {
					return err
				}
			}
		}
		if rc != nil && !r.dryRun {
			if _, err := tx.Exec(ctx, `ALTER TABLE receipts DETACH PARTITION `+ident(rc.name)); err != nil {
				return err
			}
		}
		// Counted after the detach, under its lock: no delivery of these
		// events can be made or replayed while the pass decides.
		if ev != nil {
			var rows, kept, bytes int64
			if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE %s), pg_total_relation_size('%s')
FROM %s e`, unfinishedSQL, ev.name, ident(ev.name))).Scan(&rows, &kept, &bytes); err != nil {
				return err
			}
			r.add("events", rows-kept, bytes, ev.name)
			if r.dryRun { // a real pass counts them in events_kept (deleteEvents)
				r.kept += kept
			}
			if !r.dryRun {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO events SELECT * FROM %s e WHERE %s`, ident(ev.name), unfinishedSQL)); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE event_horizon h SET xid = m.xid, id = m.id
FROM (SELECT xid, id FROM %s e WHERE NOT %s ORDER BY xid DESC, id DESC LIMIT 1) m
WHERE (m.xid, m.id) > (h.xid, h.id)`, ident(ev.name), unfinishedSQL)); err != nil {
					return err
				}
			}
		}
		if rc != nil {
			var rows, kept, bytes int64
			if err := tx.QueryRow(ctx, fmt.Sprintf(`WITH k AS (%s)
SELECT count(*), count(*) FILTER (WHERE r.receipt_id IN (SELECT receipt_id FROM k)), pg_total_relation_size('%s')
FROM %s r`, keptEvents, rc.name, ident(rc.name))).Scan(&rows, &kept, &bytes); err != nil {
				return err
			}
			r.add("receipts", rows-kept, bytes, rc.name)
			if r.dryRun || ev == nil { // with its events, counted in deleteEvents
				r.kept += kept
			}
			if !r.dryRun {
				if _, err := tx.Exec(ctx, fmt.Sprintf(`WITH k AS (%s)
INSERT INTO receipts SELECT * FROM %s r WHERE r.receipt_id IN (SELECT receipt_id FROM k)`, keptEvents, ident(rc.name))); err != nil {
					return err
				}
			}
		}
		if !r.dryRun {
			for _, p := range []*partition{ev, rc} {
				if p != nil {
					if _, err := tx.Exec(ctx, `DROP TABLE `+ident(p.name)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	err := pgx.BeginFunc(ctx, r.conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '`+partitionLockTimeout+`'`); err != nil {
			return err
		}
		return do(ctx, tx)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" {
		return nil // lock not granted in time: the next pass drops it
	}
	if err != nil {
		return fmt.Errorf("drop partition: %w", err)
	}
	for _, p := range []*partition{ev, rc} {
		if p != nil {
			r.dropping = append(r.dropping, p.name)
		}
	}
	return nil
}

// exists reports whether the table (a partition that may have been
// dropped: events_legacy) exists.
func (r *retainer) exists(ctx context.Context, table string) bool {
	var ok bool
	err := r.conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok)
	return err == nil && ok
}

// receiptJSONSQL is the exported form of receipt r: JSON, the body in
// base64 (it is bytes, not text).
const receiptJSONSQL = `json_build_object('receipt_id', r.receipt_id, 'platform', r.platform,
    'source', r.source, 'event_id', r.event_id, 'headers', r.headers, 'body_base64', encode(r.body, 'base64'),
    'remote_addr', r.remote_addr, 'received_at', r.received_at)::text`

// ident quotes a partition name.
func ident(name string) string { return pgx.Identifier{name}.Sanitize() }

// skipDropping is a condition on alias a excluding rows of partitions this
// pass drops: in a dry run they are still there and already counted.
func (r *retainer) skipDropping(a string) string {
	if !r.dryRun || len(r.dropping) == 0 {
		return "true"
	}
	names := make([]string, len(r.dropping))
	for i, n := range r.dropping {
		names[i] = "'" + n + "'::regclass"
	}
	return fmt.Sprintf("%s.tableoid NOT IN (%s)", a, strings.Join(names, ", "))
}

// deleteDeliveries deletes, in batches, the finished deliveries (and
// their attempts) that match cond on deliveries d.
func (r *retainer) deleteDeliveries(ctx context.Context, cond string) error {
	if r.dryRun {
		var rows, bytes, arows, abytes int64
		if err := r.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), coalesce(sum(pg_column_size(d.*)), 0),
    coalesce(sum((SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id)), 0),
    coalesce(sum((SELECT sum(pg_column_size(a.*)) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id)), 0)
FROM deliveries d WHERE %s AND d.state NOT IN (1, 3)`, cond)).Scan(&rows, &bytes, &arows, &abytes); err != nil {
			return err
		}
		r.add("deliveries", rows, bytes, "")
		r.add("delivery_attempts", arows, abytes, "")
		return nil
	}
	q := fmt.Sprintf(`WITH d AS (
    SELECT d.delivery_id, d.event_row_id FROM deliveries d
    WHERE %s AND d.event_row_id >= $1 AND d.state NOT IN (1, 3) ORDER BY d.event_row_id LIMIT %d
), a AS (
    DELETE FROM delivery_attempts a USING d WHERE a.delivery_id = d.delivery_id RETURNING pg_column_size(a.*) AS size
), dd AS (
    DELETE FROM deliveries x USING d WHERE x.delivery_id = d.delivery_id RETURNING pg_column_size(x.*) AS size
)
SELECT (SELECT count(*) FROM dd), (SELECT coalesce(sum(size), 0) FROM dd),
    (SELECT count(*) FROM a), (SELECT coalesce(sum(size), 0) FROM a), (SELECT coalesce(max(event_row_id), 0) FROM d)`,
		cond, retainBatch)
	// Each batch starts where the last one ended: rescanning from the
	// start would walk the index entries of every row already deleted.
	after := int64(math.MinInt64)
	for {
		var rows, bytes, arows, abytes int64
		if err := r.conn.QueryRow(ctx, q, after).Scan(&rows, &bytes, &arows, &abytes, &after); err != nil {
			return fmt.Errorf("delete deliveries: %w", err)
		}
		r.add("deliveries", rows, bytes, "")
		r.add("delivery_attempts", arows, abytes, "")
		if rows < retainBatch {
			return nil
		}
	}
}

// scopeSQL is sc's platform condition on events e.
func scopeSQL(sc scope) string {
	quoted := make([]string, len(sc.platforms))
	for i, p := range sc.platforms {
		quoted[i] = "'" + strings.ReplaceAll(p, "'", "''") + "'"
	}
	list := "ARRAY[" + strings.Join(quoted, ", ") + "]::text[]"
	if sc.others {
		return "NOT (e.platform = ANY (" + list + "))"
	}
	return "e.platform = ANY (" + list + ")"
}

// deleteEvents deletes, in batches, the finished events of sc received
// before its events limit, with their receipts, deliveries and attempts.
func (r *retainer) deleteEvents(ctx context.Context, sc scope, src string) error {
	if !r.exists(ctx, src) {
		return nil
	}
	cutoff := r.now.Add(-sc.events)
	// Unfinished work past the limit stays, and is counted.
	var kept int64
	if err := r.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) + count(r.receipt_id) FROM `+src+` e `+receiptJoinSQL+`
WHERE e.received_at < $1 AND %s AND %s AND %s`, scopeSQL(sc), r.skipDropping("e"), unfinishedSQL), cutoff).Scan(&kept); err != nil {
		return fmt.Errorf("count kept events: %w", err)
	}
	r.kept += kept
	pick := fmt.Sprintf(`SELECT e.id, e.receipt_id, e.received_at FROM `+src+` e
WHERE e.received_at >= $2 AND e.received_at < $1 AND %s AND %s AND NOT %s
ORDER BY e.received_at LIMIT %d`, scopeSQL(sc), r.skipDropping("e"), unfinishedSQL, retainBatch)
	if r.dryRun {
		var rows, bytes int64
		if err := r.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), coalesce(sum(pg_column_size(e.*)), 0) FROM `+src+` e
WHERE e.received_at < $1 AND %s AND %s AND NOT %s`, scopeSQL(sc), r.skipDropping("e"), unfinishedSQL), cutoff).Scan(&rows, &bytes); err != nil {
			return err
		}
		r.add("events", rows, bytes, "")
		if err := r.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*), coalesce(sum(pg_column_size(r.*)), 0) FROM `+src+` e `+receiptJoinSQL+`
WHERE e.received_at < $1 AND %s AND %s AND NOT %s AND r.receipt_id IS NOT NULL`, scopeSQL(sc), r.skipDropping("e"), unfinishedSQL), cutoff).Scan(&rows, &bytes); err != nil {
			return err
		}
		r.add("receipts", rows, bytes, "")
		in := "true"
		if src != "events" {
			in = "e.tableoid = to_regclass('" + src + "')"
		}
		r.taken = append(r.taken, fmt.Sprintf("(%s AND e.received_at < '%s' AND %s AND NOT %s)",
			in, cutoff.UTC().Format(time.RFC3339Nano), scopeSQL(sc), unfinishedSQL))
		return r.deleteDeliveries(ctx, fmt.Sprintf(`d.event_row_id IN (SELECT e.id FROM %s e
WHERE e.received_at < '%s' AND %s AND %s AND NOT %s)`, src, cutoff.UTC().Format(time.RFC3339Nano), scopeSQL(sc), r.skipDropping("e"), unfinishedSQL))
	}
	q := `WITH ev AS (` + pick + `
), d AS (
    SELECT d.delivery_id FROM deliveries d JOIN ev ON d.event_row_id = ev.id
), a AS (
    DELETE FROM delivery_attempts a USING d WHERE a.delivery_id = d.delivery_id RETURNING pg_column_size(a.*) AS size
), dd AS (
    DELETE FROM deliveries x USING d WHERE x.delivery_id = d.delivery_id RETURNING pg_column_size(x.*) AS size
), rc AS (
    DELETE FROM receipts r USING ev WHERE r.receipt_id = ev.receipt_id AND r.part_id = ` + partKeySQL("ev.id") + `
        AND NOT ` + siblingKeptSQL("ev") + `
    RETURNING pg_column_size(r.*) AS size, ` + r.exportCol(receiptJSONSQL) + ` AS line
), de AS (
    DELETE FROM events x USING ev WHERE x.id = ev.id
    RETURNING x.xid, x.id, pg_column_size(x.*) AS size, ` + r.exportCol("row_to_json(x.*)::text") + ` AS line
), hz AS (
    UPDATE event_horizon h SET xid = m.xid, id = m.id
    FROM (SELECT xid, id FROM de ORDER BY xid DESC, id DESC LIMIT 1) m
    WHERE (m.xid, m.id) > (h.xid, h.id)
)
SELECT (SELECT count(*) FROM de), (SELECT coalesce(sum(size), 0) FROM de),
    (SELECT count(*) FROM rc), (SELECT coalesce(sum(size), 0) FROM rc),
    (SELECT count(*) FROM dd), (SELECT coalesce(sum(size), 0) FROM dd),
    (SELECT count(*) FROM a), (SELECT coalesce(sum(size), 0) FROM a),
    ARRAY(SELECT line FROM de WHERE line IS NOT NULL), ARRAY(SELECT line FROM rc WHERE line IS NOT NULL),
    (SELECT coalesce(max(received_at), $2) FROM ev)`
	after := batchStart // see deleteDeliveries
	for {
		var n [8]int64
		err := pgx.BeginFunc(ctx, r.conn, func(tx pgx.Tx) error {
			var evLines, rcLines []string
			if err := tx.QueryRow(ctx, q, cutoff, after).Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7],
				&evLines, &rcLines, &after); err != nil {
				return err
			}
			// Written before the deletions commit: a failed export keeps the rows.
			if err := r.exportLines("events-batches", evLines); err != nil {
				return err
			}
			return r.exportLines("receipts-batches", rcLines)
		})
		if err != nil {
			return fmt.Errorf("delete events: %w", err)
		}
		r.add("events", n[0], n[1], "")
		r.add("receipts", n[2], n[3], "")
		r.add("deliveries", n[4], n[5], "")
		r.add("delivery_attempts", n[6], n[7], "")
		if n[0] < retainBatch {
			return nil
		}
	}
}

// deleteBodies deletes, in batches, the receipts of sc's finished events
// received before its bodies limit.
func (r *retainer) deleteBodies(ctx context.Context, sc scope, src string) error {
	if !r.exists(ctx, src) {
		return nil
	}
	cutoff := r.now.Add(-sc.bodies)
	from := fmt.Sprintf(`FROM `+src+` e JOIN receipts r ON r.receipt_id = e.receipt_id AND r.part_id = %s
WHERE e.received_at < $1 AND %s AND %s AND %s AND NOT %s AND NOT %s AND NOT %s`, partKeySQL("e.id"), scopeSQL(sc), r.skipDropping("e"), r.skipDropping("r"), unfinishedSQL, r.goneSQL(), siblingKeptSQL("e"))
	if r.dryRun {
		var rows, bytes int64
		if err := r.conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(pg_column_size(r.*)), 0) `+from, cutoff).Scan(&rows, &bytes); err != nil {
			return err
		}
		r.add("receipts", rows, bytes, "")
		return nil
	}
	q := fmt.Sprintf(`WITH k AS (SELECT r.receipt_id, r.part_id, e.received_at %s AND e.received_at >= $2 ORDER BY e.received_at LIMIT %d)
, rc AS (DELETE FROM receipts r USING k WHERE r.receipt_id = k.receipt_id AND r.part_id = k.part_id
    RETURNING pg_column_size(r.*) AS size, %s AS line)
SELECT count(*), coalesce(sum(size), 0), coalesce(array_agg(line) FILTER (WHERE line IS NOT NULL), '{}'),
    (SELECT coalesce(max(received_at), $2) FROM k) FROM rc`,
		from, retainBatch, r.exportCol(receiptJSONSQL))
	after := batchStart // see deleteDeliveries
	for {
		var rows, bytes int64
		err := pgx.BeginFunc(ctx, r.conn, func(tx pgx.Tx) error {
			var lines []string
			if err := tx.QueryRow(ctx, q, cutoff, after).Scan(&rows, &bytes, &lines, &after); err != nil {
				return err
			}
			return r.exportLines("receipts-batches", lines)
		})
		if err != nil {
			return fmt.Errorf("delete bodies: %w", err)
		}
		r.add("receipts", rows, bytes, "")
		if rows < retainBatch {
			return nil
		}
	}
}

// deleteKeys deletes, in batches, the dedup keys received before age ago
// whose event is gone.
func (r *retainer) deleteKeys(ctx context.Context, age time.Duration) error {
	cutoff := r.now.Add(-age)
	gone := `k.received_at < $1 AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = k.event_row_id AND NOT ` + r.goneSQL() + `)`
	if r.dryRun {
		var rows, bytes int64
		if err := r.conn.QueryRow(ctx, `SELECT count(*), coalesce(sum(pg_column_size(k.*)), 0) FROM dedup_keys k WHERE `+gone, cutoff).Scan(&rows, &bytes); err != nil {
			return err
		}
		r.add("dedup_keys", rows, bytes, "")
		return nil
	}
	q := fmt.Sprintf(`WITH k AS (SELECT k.platform, k.event_id, k.source, k.received_at FROM dedup_keys k
    WHERE %s AND k.received_at >= $2 ORDER BY k.received_at LIMIT %d)
, dk AS (DELETE FROM dedup_keys x USING k
    WHERE x.platform = k.platform AND x.event_id = k.event_id AND x.source = k.source RETURNING pg_column_size(x.*) AS size)
SELECT count(*), coalesce(sum(size), 0), (SELECT coalesce(max(received_at), $2) FROM k) FROM dk`, gone, retainBatch)
	after := batchStart // see deleteDeliveries
	for {
		var rows, bytes int64
		if err := r.conn.QueryRow(ctx, q, cutoff, after).Scan(&rows, &bytes, &after); err != nil {
			return fmt.Errorf("delete dedup keys: %w", err)
		}
		r.add("dedup_keys", rows, bytes, "")
		if rows < retainBatch {
			return nil
		}
	}
}

// exportCol is the JSON expression of a deleted row when the pass exports,
// NULL otherwise.
func (r *retainer) exportCol(expr string) string {
	if r.p.ExportDir == "" {
		return "NULL::text"
	}
	return expr
}

// batchFile is an export file the batches of a pass append to.
type batchFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
}

// exportLines appends JSON lines to the pass's file for name (rows
// deleted in batches), synced before the deletions commit. The file is
// opened at its first lines and stays open for the pass.
func (r *retainer) exportLines(name string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	bf, err := r.batchFile(name)
	if err != nil {
		return err
	}
	for _, l := range lines {
		bf.w.WriteString(l)  //nolint:errcheck // Flush reports the first error
		bf.w.WriteByte('\n') //nolint:errcheck
	}
	err = bf.w.Flush()
	if err == nil {
		err = bf.f.Sync()
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", bf.path, err)
	}
	return nil
}

// batchFile returns the open export file for name, opening it (to append:
// two passes within one second share it) at its first use.
func (r *retainer) batchFile(name string) (*batchFile, error) {
	if bf, ok := r.batchFiles[name]; ok {
		return bf, nil
	}
	path, err := r.exportPath(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	bf := &batchFile{path: path, f: f, w: bufio.NewWriter(f)}
	r.exports = append(r.exports, path) // once: the file stays open for the pass
	if r.batchFiles == nil {
		r.batchFiles = map[string]*batchFile{}
	}
	r.batchFiles[name] = bf
	return bf, nil
}

// closeBatchFiles closes the pass's batch export files. Every batch
// already synced what it wrote, so nothing is left to flush.
func (r *retainer) closeBatchFiles() error {
	var errs []error
	for _, bf := range r.batchFiles {
		if err := bf.f.Close(); err != nil {
			errs = append(errs, fmt.Errorf("export %s: %w", bf.path, err))
		}
	}
	r.batchFiles = nil
	return errors.Join(errs...)
}

// exportPath is the pass's export file for name in the export directory,
// which it creates when missing.
func (r *retainer) exportPath(name string) (string, error) {
	if err := os.MkdirAll(r.p.ExportDir, 0o750); err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return filepath.Join(r.p.ExportDir, fmt.Sprintf("%s-%s.jsonl", name, r.now.UTC().Format("20060102T150405Z"))), nil
}

// export writes the JSON text rows of q to a JSON Lines file of the
// export directory named for the partition, before it is dropped.
func (r *retainer) export(ctx context.Context, name, q string) (err error) {
	path, err := r.exportPath(name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("export %s: %w", path, cerr)
		}
	}()
	w := bufio.NewWriter(f)
	rows, err := r.conn.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		w.WriteString(line) //nolint:errcheck // Flush reports the first error
		w.WriteByte('\n')   //nolint:errcheck
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	r.exports = append(r.exports, path)
	return nil
}

// sizesSQL measures the logical tables: rows from the planner's estimate
// (pg_class.reltuples, summed over partitions; -1 before the first
// analyze counts as 0), bytes from the relation sizes with TOAST and
// indexes.
const sizesSQL = `
SELECT t.name, coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint, coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
FROM unnest(ARRAY['receipts', 'events', 'deliveries', 'delivery_attempts', 'dedup_keys']) AS t(name)
LEFT JOIN LATERAL (
    SELECT to_regclass(t.name) AS oid
    UNION ALL
    SELECT i.inhrelid FROM pg_inherits i WHERE i.inhparent = to_regclass(t.name)
) p ON true
LEFT JOIN pg_class c ON c.oid = p.oid AND c.relkind <> 'p'
GROUP BY t.name, array_position(ARRAY['receipts', 'events', 'deliveries', 'delivery_attempts', 'dedup_keys'], t.name)
ORDER BY array_position(ARRAY['receipts', 'events', 'deliveries', 'delivery_attempts', 'dedup_keys'], t.name)`

// RetentionSizes measures the tables for the metrics.
func (s *Store) RetentionSizes(ctx context.Context) (retention.Sizes, error) {
	var out retention.Sizes
	rows, err := s.pool.Query(ctx, sizesSQL)
	if err != nil {
		return out, mapErr("retention sizes", err)
	}
	out.Tables, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (retention.TableSize, error) {
		var t retention.TableSize
		return t, row.Scan(&t.Table, &t.Rows, &t.Bytes)
	})
	if err != nil {
		return out, mapErr("retention sizes", err)
	}
	var oldest *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT min(received_at) FROM events`).Scan(&oldest); err != nil {
		return out, mapErr("retention sizes: oldest event", err)
	}
	if oldest != nil {
		out.OldestEvent = *oldest
	}
	return out, nil
}
