package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// insertEventSQL inserts the event. The key was checked in the same write
// transaction, so a conflict here would be a bug, not a duplicate.
const insertEventSQL = `
INSERT INTO events (platform, source, event_id, receipt_id, event_type, source_event_type,
    occurred_at, received_at, entity_type, entity_id, user_id, tenant_id,
    amount_minor, currency, metadata, schema_version, normalized, normalization_error, recorded_at,
    renormalize_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
RETURNING id`

const insertReceiptSQL = `
INSERT INTO receipts (receipt_id, platform, source, event_id, headers, body, remote_addr, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// insertDeliveriesSQL makes one pending delivery per matching subscription,
// paused ones included (pausing only stops claims), due now. An empty JSON
// array matches everything, as PostgreSQL's cardinality() = 0. A
// subscription with a filter or an ordering key gets one only when it is
// in $7, a JSON object naming the subscriptions whose filter matched, each
// with its ordering key's value (null when unordered), which the delivery
// keeps; one whose filter or key failed gets a dead letter from
// insertFilterFailedSQL instead.
// $1 event row id, $2 platform, $3 source, $4 event id, $5 event type,
// $6 now, $7 matched.
const insertDeliveriesSQL = `
INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id,
    next_attempt_at, created_at, updated_at, ordering_key)
SELECT ` + uuidSQL + `, s.name, $1, $2, $3, $4, $6, $6, $6,
    CASE WHEN s.ordering_key <> '' THEN (SELECT value FROM json_each($7) WHERE key = s.name) END
FROM subscriptions s
WHERE (s.platforms = '[]' OR EXISTS (SELECT 1 FROM json_each(s.platforms) WHERE value = $2))
  AND (s.event_types = '[]' OR EXISTS (SELECT 1 FROM json_each(s.event_types) WHERE value = $5))
  AND ((s.filter = '' AND s.ordering_key = '') OR s.name IN (SELECT key FROM json_each($7)))
RETURNING subscription`

// filteredSubscriptionsSQL reads the subscriptions with a filter or an
// ordering key, in the write transaction: writes are serialized, so the
// expressions read are those in force when the event is recorded.
const filteredSubscriptionsSQL = `SELECT name, filter, ordering_key, platforms, event_types FROM subscriptions
WHERE filter <> '' OR ordering_key <> ''`

// insertFilterFailedSQL makes the dead letter of a subscription whose
// filter or ordering key failed on the event, with a history row of class
// FILTER.
// $1 event row id, $2 platform, $3 source, $4 event id, $5 subscription,
// $6 now, $7 error.
const insertFilterFailedSQL = `
INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id,
    next_attempt_at, created_at, updated_at, state, last_error, dead_at)
VALUES (` + uuidSQL + `, $5, $1, $2, $3, $4, $6, $6, $6, 3, $7, $6)
RETURNING delivery_id`

// insertFilterAttemptSQL is the history row of a failed filter or key.
// $1 delivery, $2 now, $3 error, $4 code (store.FailureCode).
const insertFilterAttemptSQL = `
INSERT INTO delivery_attempts (delivery_id, attempt, at, error_class, code, error)
VALUES ($1, 0, $2, 6, $4, $3)`

// storedReceiptSQL finds the receipt that first recorded a key: in events,
// else in dedup_keys, where retention keeps the keys of the events it
// deleted (migration 0009), so a late retry of one is still a duplicate.
const storedReceiptSQL = `SELECT receipt_id FROM events WHERE platform = $1 AND event_id = $2 AND source = $3
UNION ALL
SELECT receipt_id FROM dedup_keys WHERE platform = $1 AND event_id = $2 AND source = $3
LIMIT 1`

// statements are the writer's hot statements: Record runs for every
// webhook, so its statements are compiled once, not per call.
type statements struct {
	insertEvent, insertReceipt, insertDeliveries, storedReceipt, filteredSubscriptions *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.insertEvent, insertEventSQL},
		{&st.insertReceipt, insertReceiptSQL},
		{&st.insertDeliveries, insertDeliveriesSQL},
		{&st.storedReceipt, storedReceiptSQL},
		{&st.filteredSubscriptions, filteredSubscriptionsSQL},
	} {
		stmt, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return fmt.Errorf("prepare %.40q: %w", strings.TrimSpace(p.sql), err)
		}
		*p.dst = stmt
	}
	return nil
}

func (st *statements) close() {
	for _, stmt := range []*sql.Stmt{st.insertEvent, st.insertReceipt, st.insertDeliveries, st.storedReceipt, st.filteredSubscriptions} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
}

// Record stores the receipt and its event, idempotently, in one write
// transaction: it looks the key up, and when the event is new inserts the
// receipt (a reused receipt id fails the whole transaction with
// ErrConflict), the event and its deliveries. PostgreSQL must detect
// duplicates by the unique constraint, since two Records run at once
// there; here write transactions are serialized (BEGIN IMMEDIATE on the
// single writer), so nothing can come between the lookup and the insert,
// and a duplicate writes nothing at all. The receipt goes first so its
// foreign key is checked at once, by a primary-key lookup.
func (s *Store) Record(ctx context.Context, req *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error) {
	r, err := store.PrepareRecord(req)
	if err != nil {
		return nil, err
	}
	headers, err := jsonText(r.Headers)
	if err != nil {
		return nil, err
	}
	if items := store.BatchItems(req, r); items != nil {
		return s.recordBatch(ctx, r, items, headers)
	}
	var resp *ledgerv1.RecordResponse
	created := false
	err = s.write(ctx, fmt.Sprintf("record %s/%s", r.Platform, r.EventID), func(tx *sql.Tx, now int64) ([]string, error) {
		var stored string
		err := tx.StmtContext(ctx, s.stmts.storedReceipt).QueryRowContext(ctx, r.Platform, r.EventID, r.Source).Scan(&stored)
		if err == nil {
			resp = store.RecordResult(r, stored, true)
			return nil, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("look up event: %w", err)
		}
		if err := s.insertReceipt(ctx, tx, r, headers); err != nil {
			return nil, err
		}
		resp, created = store.RecordResult(r, r.ReceiptID, false), true
		return s.insertEvent(ctx, tx, r, now)
	})
	if err != nil {
		return nil, err
	}
	if created {
		s.changes.Signal() // after the commit: a woken stream finds the event
	}
	return resp, nil
}

// recordBatch stores the receipt of a batched delivery and those of its
// items' events not recorded before, in one write transaction, as Record
// does for one event: the keys are looked up first, and only when one is
// new are the receipt and the new events inserted.
func (s *Store) recordBatch(ctx context.Context, r store.Record, items []store.Record, headers string) (*ledgerv1.RecordResponse, error) {
	var resp *ledgerv1.RecordResponse
	created := false
	err := s.write(ctx, fmt.Sprintf("record %s/%s (%d events)", r.Platform, r.EventID, len(items)), func(tx *sql.Tx, now int64) ([]string, error) {
		stored := make([]string, len(items))
		existed := make([]bool, len(items))
		fresh := 0
		for i, it := range items {
			err := tx.StmtContext(ctx, s.stmts.storedReceipt).QueryRowContext(ctx, it.Platform, it.EventID, it.Source).Scan(&stored[i])
			switch {
			case err == nil:
				existed[i] = true
			case errors.Is(err, sql.ErrNoRows):
				stored[i], fresh = r.ReceiptID, fresh+1
			default:
				return nil, fmt.Errorf("look up event %s: %w", it.EventID, err)
			}
		}
		resp = store.RecordBatchResult(r, stored, existed)
		if fresh == 0 {
			return nil, nil
		}
		if err := s.insertReceipt(ctx, tx, r, headers); err != nil {
			return nil, err
		}
		created = true
		var subs []string
		for i, it := range items {
			// An item twice in one batch is recorded once.
			if existed[i] || slices.ContainsFunc(items[:i], func(p store.Record) bool {
				return p.EventID == it.EventID && p.Source == it.Source
			}) {
				continue
			}
			got, err := s.insertEvent(ctx, tx, it, now)
			if err != nil {
				return nil, err
			}
			subs = append(subs, got...)
		}
		return subs, nil
	})
	if err != nil {
		return nil, err
	}
	if created {
		s.changes.Signal()
	}
	return resp, nil
}

// insertReceipt inserts r's receipt; a reused receipt id fails the whole
// transaction with ErrConflict.
func (s *Store) insertReceipt(ctx context.Context, tx *sql.Tx, r store.Record, headers string) error {
	if _, err := tx.StmtContext(ctx, s.stmts.insertReceipt).ExecContext(ctx,
		r.ReceiptID, r.Platform, r.Source, r.EventID, headers, r.Body, r.RemoteAddr, r.ReceivedAt.UnixMicro()); err != nil {
		return fmt.Errorf("insert receipt: %w", err)
	}
	return nil
}

// insertEvent inserts r's event, new (its receipt already inserted), and
// its deliveries; it returns the subscriptions that got a pending one.
func (s *Store) insertEvent(ctx context.Context, tx *sql.Tx, r store.Record, now int64) ([]string, error) {
	metadata, err := jsonText(r.Metadata)
	if err != nil {
		return nil, err
	}
	var rowID int64
	if err := tx.StmtContext(ctx, s.stmts.insertEvent).QueryRowContext(ctx,
		r.Platform, r.Source, r.EventID, r.ReceiptID, r.EventType, r.SourceEventType,
		unixMicros(r.OccurredAt), r.ReceivedAt.UnixMicro(), r.EntityType, r.EntityID, r.UserID, r.TenantID,
		r.AmountMinor, r.Currency, metadata, r.SchemaVersion, r.Normalized, r.NormalizationError, now,
		renormalizeAt(r, now),
	).Scan(&rowID); err != nil {
		return nil, fmt.Errorf("insert event: %w", err)
	}
	// An event that could not be normalized has no typed event to
	// deliver.
	if r.EventType == 0 {
		return nil, nil
	}
	matched, err := s.applyFilters(ctx, tx, r, rowID, now)
	if err != nil {
		return nil, err
	}
	subs, _, err := collectNames(tx.StmtContext(ctx, s.stmts.insertDeliveries).QueryContext(ctx,
		rowID, r.Platform, r.Source, r.EventID, r.EventType, now, matched))
	if err != nil {
		return nil, fmt.Errorf("insert deliveries: %w", err)
	}
	return subs, nil
}

// applyFilters evaluates the filters and ordering keys of the
// subscriptions that keep r's event, in the write transaction; it stores
// the dead letter of each that failed and returns those that matched with
// their keys, as the JSON object insertDeliveriesSQL takes.
func (s *Store) applyFilters(ctx context.Context, tx *sql.Tx, r store.Record, rowID, now int64) (string, error) {
	rows, err := tx.StmtContext(ctx, s.stmts.filteredSubscriptions).QueryContext(ctx)
	if err != nil {
		return "", fmt.Errorf("read subscription filters: %w", err)
	}
	var subs []store.FilteredSubscription
	for rows.Next() {
		var f store.FilteredSubscription
		if err := rows.Scan(&f.Name, &f.Filter, &f.OrderingKey, jsonCol{&f.Platforms}, jsonCol{&f.EventTypes}); err != nil {
			rows.Close()
			return "", fmt.Errorf("read subscription filters: %w", err)
		}
		subs = append(subs, f)
	}
	if err := rows.Close(); err != nil {
		return "", fmt.Errorf("read subscription filters: %w", err)
	}
	v := store.EvaluateFilters(subs, r, s.filterObs)
	matched := map[string]*string{}
	for i, name := range v.Names {
		switch {
		case v.Matched[i]:
			matched[name] = nil
			if v.OrderingKeys[i] != "" {
				matched[name] = &v.Keys[i]
			}
		case v.Errors[i] != "":
			var id string
			if err := tx.QueryRowContext(ctx, insertFilterFailedSQL, rowID, r.Platform, r.Source, r.EventID, name, now,
				v.Errors[i]).Scan(&id); err != nil {
				return "", fmt.Errorf("insert dead letter of a failed filter: %w", err)
			}
			if _, err := tx.ExecContext(ctx, insertFilterAttemptSQL, id, now, v.Errors[i], store.FailureCode(v.Errors[i])); err != nil {
				return "", fmt.Errorf("insert history of a failed filter: %w", err)
			}
		}
	}
	return jsonText(matched)
}

// renormalizeAt is the renormalize_at of a new event: now when the
// normalizer was unreachable, else NULL (not scheduled).
func renormalizeAt(r store.Record, now int64) any {
	if r.Renormalize {
		return now
	}
	return nil
}

// collectNames reads rows of one text column (subscription names) and
// returns them distinct, nil when there is none (so nothing is notified),
// and the number of rows.
func collectNames(rows *sql.Rows, err error) (names []string, n int, _ error) {
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	seen := map[string]bool{}
	for ; rows.Next(); n++ {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, 0, err
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names, n, rows.Err()
}

// getSQL finds an event and its receipt; without a source, the most
// recently received.
const getSQL = `
SELECT e.id, e.platform, e.source, e.event_id, e.receipt_id, e.normalized,
    e.normalization_error, e.received_at, e.recorded_at,
    r.platform, r.source, r.event_id, r.headers, r.body, r.remote_addr, r.received_at
FROM events e JOIN receipts r ON r.receipt_id = e.receipt_id
WHERE e.platform = $1 AND e.event_id = $2 AND ($3 = '' OR e.source = $3)
ORDER BY e.received_at DESC, e.id DESC
LIMIT 1`

// GetEvent returns one event with its receipt.
func (s *Store) GetEvent(ctx context.Context, req *ledgerv1.GetEventRequest) (*ledgerv1.GetEventResponse, error) {
	q, err := store.PrepareGet(req)
	if err != nil {
		return nil, err
	}
	op := fmt.Sprintf("get event %s/%s", q.Platform, q.EventID)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var ev store.EventRow
	var rc store.ReceiptRow
	err = s.reader.QueryRowContext(ctx, getSQL, q.Platform, q.EventID, q.Source).Scan(
		&ev.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID, &ev.Normalized,
		&ev.NormalizationError, micros{&ev.ReceivedAt}, micros{&ev.RecordedAt},
		&rc.Platform, &rc.Source, &rc.EventID, jsonCol{&rc.Headers}, &rc.Body, &rc.RemoteAddr, micros{&rc.ReceivedAt},
	)
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	rc.ReceiptID = ev.ReceiptID
	return store.GetResult(ev, rc)
}

// ListEvents returns one page of events, newest first. As in PostgreSQL,
// the WHERE clause holds only the filters present, so SQLite's planner
// sees plain predicates and picks the matching index.
func (s *Store) ListEvents(ctx context.Context, req *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error) {
	q, err := store.PrepareList(req)
	if err != nil {
		return nil, err
	}
	if err := s.checkOpen("list events"); err != nil {
		return nil, err
	}
	w := &whereBuilder{}
	if q.Platform != "" {
		w.add("platform = $?", q.Platform)
	}
	if q.EventType != 0 {
		w.add("event_type = $?", q.EventType)
	}
	if !q.ReceivedAfter.IsZero() {
		w.add("received_at >= $?", q.ReceivedAfter.UnixMicro())
	}
	if !q.ReceivedBefore.IsZero() {
		w.add("received_at < $?", q.ReceivedBefore.UnixMicro())
	}
	// Not indexed: the scan walks the other filters' index newest first
	// (see ListEventsRequest.source_event_type).
	if q.SourceEventType != "" {
		w.add("source_event_type = $?", q.SourceEventType)
	}
	if q.EntityID != "" {
		w.add("entity_id = $?", q.EntityID)
	}
	if q.UserID != "" {
		w.add("user_id = $?", q.UserID)
	}
	if q.BeforeID != 0 {
		w.add("id < $?", q.BeforeID)
	}
	var sb strings.Builder
	sb.WriteString(`SELECT id, platform, source, event_id, receipt_id, normalized,
    normalization_error, received_at, recorded_at FROM events`)
	if len(w.conds) > 0 {
		sb.WriteString(" WHERE " + w.sql())
	}
	sb.WriteString(" ORDER BY id DESC LIMIT " + w.param(q.PageSize+1))
	rows, err := s.reader.QueryContext(ctx, sb.String(), w.args...)
	if err != nil {
		return nil, mapErr(ctx, "list events", err)
	}
	defer rows.Close()
	var list []store.EventRow
	for rows.Next() {
		var ev store.EventRow
		if err := rows.Scan(&ev.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID, &ev.Normalized,
			&ev.NormalizationError, micros{&ev.ReceivedAt}, micros{&ev.RecordedAt}); err != nil {
			return nil, mapErr(ctx, "list events", err)
		}
		list = append(list, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(ctx, "list events", err)
	}
	return store.ListResult(q, list)
}
