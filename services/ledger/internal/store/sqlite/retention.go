package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/retention"
)

// Retention on the embedded store: bounded batches on the single writer.
// A pass runs three phases, each a keyset walk along an index in
// transactions of at most retentionBatch rows, so a Record waits for one
// batch at most, never for the pass:
//
//  1. events older than their platform's events age go, with their
//     finished deliveries (delivered or cancelled), those deliveries'
//     attempt history and the receipts no remaining event references;
//     their dedup keys move to dedup_keys when still within the horizon,
//     and event_horizon advances to the greatest id deleted;
//  2. receipts older than the bodies age (and younger than the events age,
//     which phase 1 judged) get their body and headers cleared;
//  3. dedup keys older than the dedup horizon go.
//
// An event with a pending delivery or a dead letter, or scheduled for
// re-normalization, is unfinished work: it keeps its row and its receipt's
// body whatever its age, and is counted in Report.Kept. A dry run walks
// the same batches in read transactions and changes nothing.

// retentionBatch bounds the rows one transaction of a pass touches.
const retentionBatch = 500

// never is a cutoff no time is before: the limit is "keep forever".
const never = math.MinInt64

// unfinishedSQL is true for an event (aliased e) that is unfinished work.
const unfinishedSQL = `(e.renormalize_at IS NOT NULL OR EXISTS (
    SELECT 1 FROM deliveries d WHERE d.event_row_id = e.id AND d.state IN (1, 3)))`

// cutoffs are a policy's limits as times, in unix microseconds: a row
// received before its platform's cutoff is expired.
type cutoffs struct {
	p   retention.Policy
	now int64
}

func (c cutoffs) at(age time.Duration) int64 {
	if age <= 0 {
		return never
	}
	return c.now - age.Microseconds()
}

// expr writes a CASE over col's platform giving each platform's cutoff of
// the limit pick chooses, with its parameters appended to args, and the
// latest cutoff of all (the index range's end).
func (c cutoffs) expr(col string, pick func(retention.Limits) time.Duration, args *[]any) (sqlText string, latest int64) {
	latest = c.at(pick(c.p.Limits))
	if len(c.p.Platforms) == 0 {
		*args = append(*args, latest)
		return fmt.Sprintf("$%d", len(*args)), latest
	}
	var b strings.Builder
	b.WriteString("CASE " + col)
	for name := range c.p.Platforms {
		cut := c.at(pick(c.p.For(name)))
		latest = max(latest, cut)
		*args = append(*args, name, cut)
		fmt.Fprintf(&b, " WHEN $%d THEN $%d", len(*args)-1, len(*args))
	}
	*args = append(*args, c.at(pick(c.p.Limits)))
	fmt.Fprintf(&b, " ELSE $%d END", len(*args))
	return b.String(), latest
}

func bodiesOf(l retention.Limits) time.Duration { return l.Bodies }
func eventsOf(l retention.Limits) time.Duration { return l.Events }

// tally accumulates a pass's report.
type tally struct {
	rep    retention.Report
	tables map[string]*retention.TableReport
}

func newTally(now time.Time, dryRun bool) *tally {
	t := &tally{rep: retention.Report{DryRun: dryRun, Now: now}, tables: map[string]*retention.TableReport{}}
	for _, name := range []string{"receipts", "events", "deliveries", "delivery_attempts", "dedup_keys"} {
		t.rep.Tables = append(t.rep.Tables, retention.TableReport{Table: name})
	}
	for i := range t.rep.Tables {
		t.tables[t.rep.Tables[i].Table] = &t.rep.Tables[i]
	}
	return t
}

func (t *tally) add(table string, rows, bytes int64) {
	t.tables[table].Rows += rows
	t.tables[table].Bytes += bytes
}

// Retain applies p as of now (see the comment at the top of this file).
// Passes are serialized: one that starts while another runs returns an
// empty report at once.
func (s *Store) Retain(ctx context.Context, p retention.Policy, now time.Time, dryRun bool) (retention.Report, error) {
	start := time.Now()
	if err := s.checkOpen("retention"); err != nil {
		return retention.Report{}, err
	}
	if !s.retaining.TryLock() {
		return retention.Report{DryRun: dryRun, Now: now}, nil
	}
	defer s.retaining.Unlock()
	t := newTally(now, dryRun)
	c := cutoffs{p: p, now: now.UnixMicro()}
	var ex *exporter
	if !dryRun && p.ExportDir != "" {
		ex = newExporter(p.ExportDir, now)
	}
	err := s.retainEvents(ctx, c, p.Horizon(), t, ex)
	if err == nil {
		err = s.retainBodies(ctx, c, t, ex)
	}
	if err == nil {
		err = s.retainDedupKeys(ctx, c.now-p.Horizon().Microseconds(), t, ex)
	}
	if ex != nil {
		files, cerr := ex.close()
		t.rep.ExportFiles = files
		if err == nil {
			err = cerr
		}
	}
	t.rep.Took = time.Since(start)
	return t.rep, err
}

// batch runs fn in a write transaction, or a read one for a dry run.
func (s *Store) batch(ctx context.Context, dryRun bool, op string, fn func(tx *sql.Tx, dryRun bool) error) error {
	if dryRun {
		return s.read(ctx, op, func(tx *sql.Tx) error { return fn(tx, true) })
	}
	return s.write(ctx, op, func(tx *sql.Tx, _ int64) ([]string, error) { return nil, fn(tx, false) })
}

// keyset is a walk's position: the last (received_at, rowid) seen.
type keyset struct{ at, id int64 }

var keysetStart = keyset{at: math.MinInt64, id: math.MinInt64}

// retainEvents runs phase 1.
func (s *Store) retainEvents(ctx context.Context, c cutoffs, horizon time.Duration, t *tally, ex *exporter) error {
	var args []any
	cut, latest := c.expr("e.platform", eventsOf, &args)
	if latest == never {
		return nil
	}
	n := len(args)
	q := fmt.Sprintf(`SELECT e.id, e.received_at, %s AS unfinished FROM events e
WHERE e.received_at < $%d AND (e.received_at, e.id) > ($%d, $%d) AND e.received_at < %s
ORDER BY e.received_at, e.id LIMIT %d`, unfinishedSQL, n+1, n+2, n+3, cut, retentionBatch)
	keepFrom := c.now - horizon.Microseconds()
	pos := keysetStart
	for more := true; more; {
		err := s.batch(ctx, t.rep.DryRun, "retention: events", func(tx *sql.Tx, dryRun bool) error {
			rows, err := tx.QueryContext(ctx, q, append(args, latest, pos.at, pos.id)...)
			if err != nil {
				return fmt.Errorf("find expired events: %w", err)
			}
			var ids []any
			seen := 0
			for rows.Next() {
				var unfinished bool
				var id int64
				if err := rows.Scan(&id, &pos.at, &unfinished); err != nil {
					rows.Close()
					return fmt.Errorf("find expired events: %w", err)
				}
				pos.id, seen = id, seen+1
				if unfinished {
					t.rep.Kept++
				} else {
					ids = append(ids, id)
				}
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("find expired events: %w", err)
			}
			more = seen == retentionBatch
			if len(ids) == 0 {
				return nil
			}
			return dropEvents(ctx, tx, ids, keepFrom, dryRun, t, ex)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// dropEvents deletes (or, in a dry run, counts) the events ids, finished,
// with what goes with them.
func dropEvents(ctx context.Context, tx *sql.Tx, ids []any, keepFrom int64, dryRun bool, t *tally, ex *exporter) error {
	in := "(" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
	deliveries := "SELECT delivery_id FROM deliveries WHERE event_row_id IN " + in
	// The receipts that go: those whose every event goes.
	receipts := `SELECT r.receipt_id FROM receipts r WHERE r.receipt_id IN (SELECT receipt_id FROM events WHERE id IN ` + in + `)
    AND NOT EXISTS (SELECT 1 FROM events o WHERE o.receipt_id = r.receipt_id AND o.id NOT IN ` + in + `)`
	receiptArgs := append(append([]any{}, ids...), ids...)
	steps := []struct {
		table, where, size string
		args               []any
	}{
		{"delivery_attempts", "delivery_id IN (" + deliveries + ")", "length(error)", ids},
		{"deliveries", "event_row_id IN " + in, "length(last_error)", ids},
		{"events", "id IN " + in, "coalesce(length(normalized), 0) + length(metadata) + length(normalization_error)", ids},
		{"receipts", "receipt_id IN (" + receipts + ")", "length(body) + length(headers)", receiptArgs},
	}
	// Measure and export everything first: the events must still be
	// there to find the receipts that go.
	for _, st := range steps {
		var rows, bytes int64
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*), coalesce(sum(%s), 0) FROM %s WHERE %s`, st.size, st.table, st.where),
			st.args...).Scan(&rows, &bytes); err != nil {
			return fmt.Errorf("measure %s: %w", st.table, err)
		}
		t.add(st.table, rows, bytes)
		if ex != nil && rows > 0 {
			if err := ex.export(ctx, tx, st.table, st.where, st.args); err != nil {
				return err
			}
		}
	}
	if dryRun {
		return nil
	}
	if ex != nil {
		if err := ex.sync(); err != nil {
			return err
		}
	}
	// The keys of the events go to dedup_keys while within the horizon.
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO dedup_keys (platform, event_id, source, receipt_id, received_at)
SELECT platform, event_id, source, receipt_id, received_at FROM events WHERE id IN `+in+` AND received_at >= ?`,
		append(append([]any{}, ids...), keepFrom)...); err != nil {
		return fmt.Errorf("keep dedup keys: %w", err)
	}
	// Receipts last (their events reference them), found before the
	// events go.
	goneReceipts, err := collectStrings(tx.QueryContext(ctx, receipts, receiptArgs...))
	if err != nil {
		return fmt.Errorf("find receipts: %w", err)
	}
	for _, st := range steps[:3] {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+st.table+" WHERE "+st.where, st.args...); err != nil {
			return fmt.Errorf("delete %s: %w", st.table, err)
		}
	}
	if len(goneReceipts) > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM receipts WHERE receipt_id IN ("+
			strings.TrimSuffix(strings.Repeat("?,", len(goneReceipts)), ",")+")", goneReceipts...); err != nil {
			return fmt.Errorf("delete receipts: %w", err)
		}
	}
	var top int64
	for _, id := range ids {
		top = max(top, id.(int64))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE event_horizon SET id = max(id, $1)`, top); err != nil {
		return fmt.Errorf("advance the stream horizon: %w", err)
	}
	return nil
}

// retainBodies runs phase 2: receipts received before their bodies
// cutoff and not before their events cutoff (older ones were phase 1's:
// gone, or kept whole as unfinished work).
func (s *Store) retainBodies(ctx context.Context, c cutoffs, t *tally, ex *exporter) error {
	var args []any
	bodiesCut, latest := c.expr("r.platform", bodiesOf, &args)
	if latest == never {
		return nil
	}
	eventsCut, _ := c.expr("r.platform", eventsOf, &args)
	n := len(args)
	q := fmt.Sprintf(`SELECT r.rowid, r.received_at, EXISTS (SELECT 1 FROM events e WHERE e.receipt_id = r.receipt_id AND %s)
FROM receipts r INDEXED BY receipts_body_received_at_idx
WHERE r.body_dropped_at IS NULL AND r.received_at < $%d AND (r.received_at, r.rowid) > ($%d, $%d)
    AND r.received_at < %s AND r.received_at >= %s
ORDER BY r.received_at, r.rowid LIMIT %d`, unfinishedSQL, n+1, n+2, n+3, bodiesCut, eventsCut, retentionBatch)
	pos := keysetStart
	for more := true; more; {
		err := s.batch(ctx, t.rep.DryRun, "retention: bodies", func(tx *sql.Tx, dryRun bool) error {
			rows, err := tx.QueryContext(ctx, q, append(args, latest, pos.at, pos.id)...)
			if err != nil {
				return fmt.Errorf("find expired bodies: %w", err)
			}
			var ids []any
			seen := 0
			for rows.Next() {
				var unfinished bool
				if err := rows.Scan(&pos.id, &pos.at, &unfinished); err != nil {
					rows.Close()
					return fmt.Errorf("find expired bodies: %w", err)
				}
				seen++
				if unfinished {
					t.rep.Kept++
				} else {
					ids = append(ids, pos.id)
				}
			}
			if err := rows.Close(); err != nil {
				return fmt.Errorf("find expired bodies: %w", err)
			}
			more = seen == retentionBatch
			if len(ids) == 0 {
				return nil
			}
			where := "rowid IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
			var bytes int64
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(length(body) + length(headers) - 2), 0) FROM receipts WHERE `+where,
				ids...).Scan(&bytes); err != nil {
				return fmt.Errorf("measure bodies: %w", err)
			}
			t.add("receipts", int64(len(ids)), bytes)
			if dryRun {
				return nil
			}
			if ex != nil {
				if err := ex.export(ctx, tx, "receipts", where, ids); err != nil {
					return err
				}
				if err := ex.sync(); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE receipts SET body = x'', headers = '{}', body_dropped_at = ? WHERE `+where,
				append([]any{c.now}, ids...)...); err != nil {
				return fmt.Errorf("clear bodies: %w", err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retainDedupKeys runs phase 3: keys received before cutoff go.
func (s *Store) retainDedupKeys(ctx context.Context, cutoff int64, t *tally, ex *exporter) error {
	for more := true; more; {
		err := s.batch(ctx, t.rep.DryRun, "retention: dedup keys", func(tx *sql.Tx, dryRun bool) error {
			// A dry run deletes nothing, so it counts them all at once,
			// along the index.
			if dryRun {
				var n int64
				more = false
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM dedup_keys WHERE received_at < $1`, cutoff).Scan(&n); err != nil {
					return fmt.Errorf("count expired dedup keys: %w", err)
				}
				t.add("dedup_keys", n, 0)
				return nil
			}
			where := fmt.Sprintf(`(platform, event_id, source) IN (SELECT platform, event_id, source FROM dedup_keys
    WHERE received_at < ? ORDER BY received_at LIMIT %d)`, retentionBatch)
			if ex != nil {
				if err := ex.export(ctx, tx, "dedup_keys", where, []any{cutoff}); err != nil {
					return err
				}
				if err := ex.sync(); err != nil {
					return err
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM dedup_keys WHERE `+where, cutoff)
			if err != nil {
				return fmt.Errorf("prune dedup keys: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("prune dedup keys: %w", err)
			}
			t.add("dedup_keys", n, 0)
			more = n == retentionBatch
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// retentionTables are the tables RetentionSizes measures.
var retentionTables = []string{"receipts", "events", "deliveries", "delivery_attempts", "dedup_keys"}

// RetentionSizes counts the rows of each table and the bytes of their
// pages on disk (SQLite's dbstat, the table with its indexes), and finds
// the oldest event, in one read transaction. Counting reads every row: the
// ledger calls it at a bounded rate.
func (s *Store) RetentionSizes(ctx context.Context) (retention.Sizes, error) {
	var sz retention.Sizes
	err := s.read(ctx, "retention sizes", func(tx *sql.Tx) error {
		for _, table := range retentionTables {
			ts := retention.TableSize{Table: table}
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&ts.Rows); err != nil {
				return fmt.Errorf("count %s: %w", table, err)
			}
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(pgsize), 0) FROM dbstat
WHERE name = $1 OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = $1)`, table).Scan(&ts.Bytes); err != nil {
				return fmt.Errorf("size of %s: %w", table, err)
			}
			sz.Tables = append(sz.Tables, ts)
		}
		var oldest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(received_at) FROM events`).Scan(&oldest); err != nil {
			return fmt.Errorf("oldest event: %w", err)
		}
		if oldest.Valid {
			sz.OldestEvent = microsTime(oldest.Int64)
		}
		return nil
	})
	return sz, err
}

// collectStrings reads rows of one text column.
func collectStrings(rows *sql.Rows, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
