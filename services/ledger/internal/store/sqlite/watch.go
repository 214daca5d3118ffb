package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// The event stream (WatchEvents) in id order: the single writer commits
// events in id order, and AUTOINCREMENT never reuses an id, so a reader
// that has seen id n has seen every event up to n. Each read runs in one
// read transaction, so the head and the events come from one snapshot.

// watchHeadSQL reads the last id ever given to an event (sqlite_sequence,
// kept by AUTOINCREMENT in the writing transaction) and the horizon.
const watchHeadSQL = `
SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
    (SELECT id FROM event_horizon)`

func watchHead(ctx context.Context, tx *sql.Tx) (store.WatchHead, error) {
	var last, horizon int64
	if err := tx.QueryRowContext(ctx, watchHeadSQL).Scan(&last, &horizon); err != nil {
		return store.WatchHead{}, fmt.Errorf("read stream head: %w", err)
	}
	top := store.Position{ID: last}
	return store.WatchHead{Stable: top, Future: top, Horizon: store.Position{ID: horizon}}, nil
}

// WatchStart resolves where a stream starts; now is after the last event.
func (s *Store) WatchStart(ctx context.Context, from store.WatchFrom) (store.Position, error) {
	var head store.WatchHead
	var first *store.Position
	err := s.read(ctx, "watch events: start", func(tx *sql.Tx) (err error) {
		if head, err = watchHead(ctx, tx); err != nil || from.Cursor != "" || from.Time == nil {
			return err
		}
		var p store.Position
		switch err := tx.QueryRowContext(ctx, `SELECT id FROM events WHERE received_at >= $1 ORDER BY id LIMIT 1`,
			from.Time.UnixMicro()).Scan(&p.ID); {
		case err == nil:
			first = &p
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("find start: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.Position{}, err
	}
	return store.StartAt(store.CursorSQLite, from, head, first)
}

// WatchEvents reads the stream after q.After.
func (s *Store) WatchEvents(ctx context.Context, q store.WatchQuery) (store.WatchPage, error) {
	w := &whereBuilder{}
	w.add("e.id > $?", q.After.ID)
	if q.Platform != "" {
		w.add("e.platform = $?", q.Platform)
	}
	if q.EventType != 0 {
		w.add("e.event_type = $?", q.EventType)
	}
	var sb strings.Builder
	sb.WriteString(`SELECT e.id, e.platform, e.source, e.event_id, e.receipt_id, e.normalized,
    e.normalization_error, e.received_at, e.recorded_at`)
	if q.Receipts {
		sb.WriteString(`, r.headers, r.body, r.remote_addr, r.received_at
FROM events e JOIN receipts r ON r.receipt_id = e.receipt_id`)
	} else {
		sb.WriteString(` FROM events e`)
	}
	sb.WriteString(" WHERE " + w.sql() + " ORDER BY e.id LIMIT " + w.param(q.PageLimit()))

	var head store.WatchHead
	var rows []store.WatchRow
	err := s.read(ctx, "watch events", func(tx *sql.Tx) error {
		var err error
		if head, err = watchHead(ctx, tx); err != nil {
			return err
		}
		rs, err := tx.QueryContext(ctx, sb.String(), w.args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r store.WatchRow
			ev := &r.Event
			dest := []any{&ev.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID, &ev.Normalized,
				&ev.NormalizationError, micros{&ev.ReceivedAt}, micros{&ev.RecordedAt}}
			var rc store.ReceiptRow
			if q.Receipts {
				dest = append(dest, jsonCol{&rc.Headers}, &rc.Body, &rc.RemoteAddr, micros{&rc.ReceivedAt})
			}
			if err := rs.Scan(dest...); err != nil {
				return err
			}
			r.Pos.ID = ev.ID
			if q.Receipts {
				rc.ReceiptID, rc.Platform, rc.Source, rc.EventID = ev.ReceiptID, ev.Platform, ev.Source, ev.EventID
				r.Receipt = &rc
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err != nil {
		return store.WatchPage{}, err
	}
	if err := head.Check(q.After); err != nil {
		return store.WatchPage{}, err
	}
	return store.WatchResult(store.CursorSQLite, q, head, rows)
}

// EventsChanged returns a channel closed once this store records an event.
// Only this process writes the file, so there is no one else to hear from.
func (s *Store) EventsChanged() <-chan struct{} { return s.changes.Wait() }
