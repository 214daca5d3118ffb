package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// The event stream (WatchEvents) in stream order, (xid, id); see
// migrations/0006_event_stream.sql for why the transaction id. Every read
// runs in one REPEATABLE READ, read-only transaction, so the head (the
// snapshot's xmin and xmax, the horizon) and the events come from one
// snapshot: the events read are exactly those before the stable position
// the head reports. A read-only transaction takes no transaction id, so a
// reader never holds back another reader's stable position.

// watchHeadSQL reads the stream's head in the transaction's snapshot:
// xmin (every transaction before it has ended), xmax (the next transaction
// id: no cursor can be beyond it), the greatest xid of a visible event
// (the events_xid_id_idx's last entry; at or after xmin means committed
// events wait for an older transaction) and the horizon.
const watchHeadSQL = `
SELECT pg_snapshot_xmin(c), pg_snapshot_xmax(c),
    coalesce((SELECT max(xid) FROM events), '0'), h.xid, h.id
FROM pg_current_snapshot() AS c, event_horizon AS h`

// watchStartSQL finds the first stable event received at or after $1.
const watchStartSQL = `
SELECT xid, id FROM events
WHERE received_at >= $1 AND xid < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY xid, id LIMIT 1`

var watchTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// watchHead scans watchHeadSQL.
func watchHead(row pgx.Row) (store.WatchHead, error) {
	var xmin, xmax, top uint64
	var h store.WatchHead
	if err := row.Scan(&xmin, &xmax, &top, &h.Horizon.Xid, &h.Horizon.ID); err != nil {
		return store.WatchHead{}, err
	}
	h.Stable = store.Position{Xid: xmin}
	h.Future = store.Position{Xid: xmax}
	h.Pending = top >= xmin
	return h, nil
}

// WatchStart resolves where a stream starts. Now is the stable position:
// events committed before the call may follow (those of transactions that
// ended after an older one still running), never fewer than all those
// committed after it.
func (s *Store) WatchStart(ctx context.Context, from store.WatchFrom) (store.Position, error) {
	var head store.WatchHead
	var first *store.Position
	err := pgx.BeginTxFunc(ctx, s.pool, watchTx, func(tx pgx.Tx) (err error) {
		if head, err = watchHead(tx.QueryRow(ctx, watchHeadSQL)); err != nil || from.Cursor != "" || from.Time == nil {
			return err
		}
		var p store.Position
		switch err := tx.QueryRow(ctx, watchStartSQL, *from.Time).Scan(&p.Xid, &p.ID); {
		case err == nil:
			first = &p
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		return nil
	})
	if err != nil {
		return store.Position{}, mapErr("watch events: start", err)
	}
	return store.StartAt(store.CursorPostgres, from, head, first)
}

// WatchEvents reads the stream after q.After.
func (s *Store) WatchEvents(ctx context.Context, q store.WatchQuery) (store.WatchPage, error) {
	sql, args := watchSQL(q)
	var head store.WatchHead
	var rows []store.WatchRow
	err := pgx.BeginTxFunc(ctx, s.pool, watchTx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(watchHeadSQL).QueryRow(func(row pgx.Row) (err error) {
			head, err = watchHead(row)
			return err
		})
		b.Queue(sql, args...).Query(func(rs pgx.Rows) error {
			for rs.Next() {
				r, err := scanWatchRow(rs, q.Receipts)
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
			return rs.Err()
		})
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return store.WatchPage{}, mapErr("watch events", err)
	}
	// The horizon comes from the read's own snapshot: a retention pass that
	// deleted events after q.After committed before it, or its deletions
	// are not seen either.
	if err := head.Check(q.After); err != nil {
		return store.WatchPage{}, err
	}
	return store.WatchResult(store.CursorPostgres, q, head, rows)
}

// watchSQL builds the read of q. As in ListEvents, the WHERE clause holds
// only the filters present. The scan follows events_xid_id_idx from the
// position; the filters are checked on the rows it passes.
func watchSQL(q store.WatchQuery) (string, []any) {
	args := []any{q.After.Xid, q.After.ID}
	var sb strings.Builder
	sb.WriteString(`SELECT e.xid, e.id, e.platform, e.source, e.event_id, e.receipt_id::text, e.normalized,
    e.normalization_error, e.received_at, e.recorded_at`)
	if q.Receipts {
		sb.WriteString(`, coalesce(r.headers, '{}'), coalesce(r.body, ''::bytea), coalesce(r.remote_addr, ''),
    coalesce(r.received_at, e.received_at)
FROM events e ` + receiptJoinSQL)
	} else {
		sb.WriteString(` FROM events e`)
	}
	sb.WriteString(`
WHERE (e.xid, e.id) > ($1::xid8, $2::bigint) AND e.xid < pg_snapshot_xmin(pg_current_snapshot())`)
	if q.Platform != "" {
		args = append(args, q.Platform)
		sb.WriteString(" AND e.platform = $" + strconv.Itoa(len(args)))
	}
	if q.EventType != 0 {
		args = append(args, q.EventType)
		sb.WriteString(" AND e.event_type = $" + strconv.Itoa(len(args)))
	}
	args = append(args, q.PageLimit())
	sb.WriteString(" ORDER BY e.xid, e.id LIMIT $" + strconv.Itoa(len(args)))
	return sb.String(), args
}

func scanWatchRow(rs pgx.Rows, receipts bool) (store.WatchRow, error) {
	var r store.WatchRow
	ev := &r.Event
	dest := []any{&r.Pos.Xid, &r.Pos.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID,
		&ev.Normalized, &ev.NormalizationError, &ev.ReceivedAt, &ev.RecordedAt}
	var rc store.ReceiptRow
	if receipts {
		dest = append(dest, &rc.Headers, &rc.Body, &rc.RemoteAddr, &rc.ReceivedAt)
	}
	if err := rs.Scan(dest...); err != nil {
		return store.WatchRow{}, fmt.Errorf("scan event: %w", err)
	}
	ev.ID = r.Pos.ID
	if receipts {
		rc.ReceiptID, rc.Platform, rc.Source, rc.EventID = ev.ReceiptID, ev.Platform, ev.Source, ev.EventID
		r.Receipt = &rc
	}
	return r, nil
}

// EventsChanged returns a channel closed once events may have been
// recorded: by this store's Record, or by another ledger's (its NOTIFY,
// read by Listen).
func (s *Store) EventsChanged() <-chan struct{} { return s.changes.Wait() }
