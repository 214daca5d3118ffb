// Package postgres is the PostgreSQL ledger store, on pgx v5 and pgxpool.
// Request validation and the proto encoding live in package store; this
// package only runs SQL, in as few round trips as it can.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// Store is the PostgreSQL store. It owns its pool.
type Store struct {
	pool   *pgxpool.Pool
	notify *notifier
	// records group-commits Records, durably; outcomes group-commits
	// delivery outcomes, relaxed (see relaxedSQL).
	records, outcomes *group
	// changes wakes this ledger's event streams (see watch.go).
	changes store.Changes
	// filters lists the subscriptions with a filter, for Record.
	filters store.FilterCache
	// filterObs is told the filters' verdicts and cost (see
	// SetFilterObserver); nil: nobody.
	filterObs store.FilterObserver
}

var _ store.Store = (*Store)(nil)

// New returns a Store over pool, whose schema must be migrated (Migrate).
// The Store owns the pool: Close closes it.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, notify: newNotifier(pool), records: newGroup(pool, false), outcomes: newGroup(pool, true)}
}

// recordSQL is Record in one statement, so in one implicit transaction and
// one round trip. The event goes first, with ON CONFLICT DO NOTHING, so a
// duplicate writes nothing at all (no dead tuple, no receipt, no delivery).
// The receipt and the deliveries are inserted only from the event's
// RETURNING row, that is only when the event is new. The subscriptions
// delivered to are locked FOR KEY SHARE: a concurrent DeleteSubscription
// (which locks its row FOR UPDATE) either commits first, and the lock,
// rechecking the row, finds it gone, or waits for this Record and then
// sees its deliveries (see DeleteSubscription). Deliveries go to every
// subscription whose platforms and event types keep the event (paused
// ones included: pausing only stops claims), and only for a normalized
// event ($5 <> 0): a payload that could not be normalized has no typed
// event to deliver, and gets its deliveries when it is re-normalized ($22:
// the normalizer was unreachable, so renormalize_at is set and a
// dispatcher's renormalizer claims it at once; see normalization.go).
//
// A subscription with a CEL filter gets a delivery only when its filter
// matched the event, a dead-lettered one carrying the error (and a history
// row of class FILTER) when it failed. The filters are evaluated in Go
// before the statement, from the store's FilterCache; the verdicts come in
// as $23..$28 (name, filter, ordering key, matched, error, key value), each
// valid only while the subscription's stored filter and ordering key are the
// ones evaluated. The ordering key's value is stored on the delivery. When a filtered
// subscription that keeps the event has no valid verdict (the cache is
// stale: a filter created or changed, here or on another replica), the
// statement writes nothing and answers stale; Record reloads the cache and
// runs it again. So a verdict is always that of the filter in force when
// the event is recorded. The event's values are cast in the guarded
// INSERT ... SELECT, where PostgreSQL cannot infer them from the columns.
//
// The statement returns the subscriptions that got a pending delivery;
// Record notifies them after the commit (see notifier: a NOTIFY inside this
// transaction would serialize every Record's commit). On conflict the
// second SELECT reads the stored row's receipt. It sees the statement's
// snapshot, so when the conflicting row was committed by a concurrent
// Record after that snapshot was taken, the statement returns no row at
// all and Record runs it again.
var recordSQL = recordEventSQL + `), rc AS (
    INSERT INTO receipts (receipt_id, platform, source, event_id, headers, body, remote_addr, received_at, part_id)
    SELECT ev.receipt_id, $1, $2, $3, $19, $20, $21, $8, ` + partKeySQL("ev.id") + ` FROM ev
), dl AS (` + recordDeliveriesSQL

// recordItemSQL is recordSQL for one event of a batch (recordBatch): the
// same statement without the receipt, which recordBatch inserts once. Its
// rc only types $19..$21, so that both take the same arguments.
var recordItemSQL = recordEventSQL + `), rc AS (
    SELECT $19::jsonb, $20::bytea, $21::text
), dl AS (` + recordDeliveriesSQL

// recordEventSQL and recordDeliveriesSQL are recordSQL before and after
// its receipt.
var recordEventSQL = `
WITH ` + verdictsSQL(23) + `, dk AS (
    INSERT INTO dedup_keys (platform, event_id, source, event_row_id, receipt_id, received_at)
    SELECT $1::text, $3::text, $2::text, ` + eventIDSQL + `, $4::uuid, $8::timestamptz
    WHERE NOT EXISTS (SELECT 1 FROM stale)
    ON CONFLICT (platform, event_id, source) DO NOTHING
    RETURNING event_row_id
), ev AS (
    INSERT INTO events (id, platform, source, event_id, receipt_id, event_type, source_event_type,
        occurred_at, received_at, entity_type, entity_id, user_id, tenant_id,
        amount_minor, currency, metadata, schema_version, normalized, normalization_error, renormalize_at)
    SELECT dk.event_row_id, $1::text, $2::text, $3::text, $4::uuid, $5::integer, $6::text, $7::timestamptz, $8::timestamptz,
        $9::text, $10::text, $11::text, $12::text, $13::bigint, $14::text, $15::jsonb, $16::integer, $17::bytea,
        $18::text, CASE WHEN $22::boolean THEN now() END
    FROM dk
    RETURNING id, receipt_id
`

const recordDeliveriesSQL = `
    INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id, next_attempt_at,
        state, last_error, dead_at, ordering_key)
    SELECT ` + uuidV7SQL + `, s.name, ev.id, $1, $2, $3, now(),
        CASE WHEN fv.error <> '' THEN 3 ELSE 1 END, coalesce(fv.error, ''), CASE WHEN fv.error <> '' THEN now() END,
        ` + deliveryKeySQL + `
    FROM ev CROSS JOIN subscriptions s ` + verdictJoinSQL + `
    WHERE $5::integer <> 0
      AND (cardinality(s.platforms) = 0 OR $1 = ANY (s.platforms))
      AND (cardinality(s.event_types) = 0 OR $5::integer = ANY (s.event_types))
      AND ` + deliveryKeepSQL + `
    FOR KEY SHARE OF s
    RETURNING delivery_id, subscription, state, last_error
), fa AS (` + filterFailuresSQL + `)
SELECT receipt_id::text, false, (SELECT coalesce(array_agg(DISTINCT subscription) FILTER (WHERE state = 1), '{}') FROM dl),
    false FROM ev
UNION ALL
SELECT receipt_id::text, true, '{}'::text[], false FROM dedup_keys
WHERE platform = $1 AND event_id = $3 AND source = $2 AND NOT EXISTS (SELECT 1 FROM ev)
UNION ALL
SELECT '', false, '{}'::text[], true
WHERE EXISTS (SELECT 1 FROM stale) AND NOT EXISTS (SELECT 1 FROM dedup_keys WHERE platform = $1 AND event_id = $3 AND source = $2)`

// verdictsSQL is two CTEs of the statements that make deliveries (recordSQL,
// normalizedSQL), whose $1 is the platform and $5 the event type: fv, the
// verdicts from parameters $first..$first+5 (name, filter, ordering key
// expression, matched, error, key), and stale, a row when a subscription
// with a filter or an ordering key that keeps the event has no verdict for
// its stored expressions.
func verdictsSQL(first int) string {
	return fmt.Sprintf(`fv AS (
    SELECT * FROM unnest($%d::text[], $%d::text[], $%d::text[], $%d::boolean[], $%d::text[], $%d::text[])
        AS v(name, filter, okey, matched, error, key)
), stale AS (
    SELECT 1 FROM subscriptions s
    WHERE (s.filter <> '' OR s.ordering_key <> '') AND $5::integer <> 0
      AND (cardinality(s.platforms) = 0 OR $1::text = ANY (s.platforms))
      AND (cardinality(s.event_types) = 0 OR $5::integer = ANY (s.event_types))
      AND NOT EXISTS (SELECT 1 FROM fv WHERE fv.name = s.name AND fv.filter = s.filter AND fv.okey = s.ordering_key)
    LIMIT 1
)`, first, first+1, first+2, first+3, first+4, first+5)
}

// verdictJoinSQL joins a subscription s to its verdict, deliveryKeepSQL
// keeps the subscriptions that get a delivery (no expression, matched, or
// failed: a dead letter), and deliveryKeySQL is the delivery's ordering
// key, NULL for an unordered subscription or a failed verdict.
const (
	verdictJoinSQL  = `LEFT JOIN fv ON fv.name = s.name AND fv.filter = s.filter AND fv.okey = s.ordering_key`
	deliveryKeepSQL = `((s.filter = '' AND s.ordering_key = '') OR fv.matched OR fv.error <> '')`
	deliveryKeySQL  = `CASE WHEN s.ordering_key <> '' AND fv.error = '' THEN fv.key END`
)

// filterFailuresSQL, a CTE after dl (which returns delivery_id, state and
// last_error), adds the history row of each delivery a failed filter or
// ordering key made a dead letter: class ERROR_CLASS_FILTER (6), code
// FILTER or ORDERING_KEY (store.FailureCode), no attempt.
const filterFailuresSQL = `
    INSERT INTO delivery_attempts (delivery_id, attempt, error_class, code, error)
    SELECT delivery_id, 0, 6, CASE WHEN starts_with(last_error, '` + store.OrderingKeyErrorPrefix + `')
        THEN '` + store.OrderingKeyErrorCode + `' ELSE '` + store.FilterErrorCode + `' END, last_error
    FROM dl WHERE state = 3
`

// loadFiltersSQL reads the subscriptions with a filter or an ordering key,
// for FilterCache.
const loadFiltersSQL = `SELECT name, filter, ordering_key, platforms, event_types FROM subscriptions
WHERE filter <> '' OR ordering_key <> '' ORDER BY name`

// loadFilters refreshes the store's FilterCache.
func (s *Store) loadFilters(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, loadFiltersSQL)
	if err != nil {
		return err
	}
	subs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.FilteredSubscription, error) {
		var f store.FilteredSubscription
		return f, row.Scan(&f.Name, &f.Filter, &f.OrderingKey, &f.Platforms, &f.EventTypes)
	})
	if err != nil {
		return err
	}
	s.filters.Set(subs)
	return nil
}

// uuidV7SQL is a new time-ordered UUID (version 7: 48 bits of Unix
// milliseconds, then random bits), for delivery ids. Why not
// gen_random_uuid(): a random key lands on a random leaf of the primary-key
// index (and of delivery_attempts' index), so every insert dirties a page
// that is cold in the buffer cache and, after each checkpoint, costs a full
// page image in the WAL. Time-ordered keys append to the rightmost leaf, so
// the cost of an insert does not grow with the table. PostgreSQL 15 has no
// uuidv7(); this is the usual expression: the timestamp overlaid on a
// random UUID's first 6 bytes, and the version nibble set from 4 to 7.
const uuidV7SQL = `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid`

// recordAttempts bounds the re-runs of recordSQL. The second run always sees
// a row committed during the first, and rows are never deleted, so a third
// is a safety margin, not an expected path.
const recordAttempts = 3

// Record stores the receipt and its event, idempotently.
func (s *Store) Record(ctx context.Context, req *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error) {
	r, err := store.PrepareRecord(req)
	if err != nil {
		return nil, err
	}
	if items := store.BatchItems(req, r); items != nil {
		return s.recordBatch(ctx, r, items)
	}
	args := []any{
		r.Platform, r.Source, r.EventID, r.ReceiptID, r.EventType, r.SourceEventType,
		r.OccurredAt, r.ReceivedAt, r.EntityType, r.EntityID, r.UserID, r.TenantID,
		r.AmountMinor, r.Currency, jsonObject(r.Metadata), r.SchemaVersion, r.Normalized, r.NormalizationError,
		jsonObject(r.Headers), r.Body, r.RemoteAddr, r.Renormalize,
	}
	// The key orders Records within a group commit by the unique key they
	// insert (see group).
	key := "e\x00" + r.Platform + "\x00" + r.Source + "\x00" + r.EventID
	op := fmt.Sprintf("record %s/%s", r.Platform, r.EventID)
	for range recordAttempts {
		v := store.EvaluateFilters(s.filters.Get(), r, s.filterObs)
		var receiptID string
		var existed, stale bool
		var delivered []string
		err := s.records.run(ctx, &groupOp{key: key, sql: recordSQL,
			args: append(args, v.Names, v.Filters, v.OrderingKeys, v.Matched, v.Errors, v.Keys),
			scan: func(row pgx.Row) error {
				return row.Scan(&receiptID, &existed, &delivered, &stale)
			}})
		if errors.Is(err, pgx.ErrNoRows) {
			continue // lost a race with a concurrent Record of the same event
		}
		if err != nil {
			return nil, mapErr(op, err)
		}
		if stale {
			if err := s.loadFilters(ctx); err != nil {
				return nil, mapErr(op+": load subscription filters", err)
			}
			continue
		}
		if !existed {
			s.eventRecorded() // before signal: the NOTIFY it wakes carries the event's news
		}
		if len(delivered) > 0 {
			s.notify.signal(delivered)
		}
		return store.RecordResult(r, receiptID, existed), nil
	}
	return nil, fmt.Errorf("%s: stored event not visible, or subscription filters changing, after %d attempts: %w",
		op, recordAttempts, apperr.ErrUnavailable)
}

// getSQL finds an event by its dedup key, and its receipt. ($3 = ” OR
// source = $3) keeps one statement for both lookups; the key's primary
// index (platform, event_id, source) serves either.
var getSQL = `
SELECT e.id, e.platform, e.source, e.event_id, e.receipt_id::text, e.normalized,
    e.normalization_error, e.received_at, e.recorded_at,
    ` + receiptColsSQL + `
FROM dedup_keys k JOIN events e ON e.id = k.event_row_id ` + receiptJoinSQL + `
WHERE k.platform = $1 AND k.event_id = $2 AND ($3 = '' OR k.source = $3)
ORDER BY e.received_at DESC, e.id DESC
LIMIT 1`

// receiptJoinSQL joins an event e to its receipt r, which retention may
// have dropped (the bodies limit is shorter than the events limit): the
// event stays readable, with receiptColsSQL's empty body and headers. The
// part_id condition makes PostgreSQL probe one partition's index.
var receiptJoinSQL = `LEFT JOIN receipts r ON r.receipt_id = e.receipt_id AND r.part_id = ` + partKeySQL("e.id")

// receiptColsSQL are a receipt's platform, source, event id, headers,
// body, remote address and receipt time, from the event where the receipt
// was dropped.
const receiptColsSQL = `coalesce(r.platform, e.platform), coalesce(r.source, e.source), coalesce(r.event_id, e.event_id),
    coalesce(r.headers, '{}'), coalesce(r.body, ''::bytea), coalesce(r.remote_addr, ''), coalesce(r.received_at, e.received_at)`

// GetEvent returns one event with its receipt.
func (s *Store) GetEvent(ctx context.Context, req *ledgerv1.GetEventRequest) (*ledgerv1.GetEventResponse, error) {
	q, err := store.PrepareGet(req)
	if err != nil {
		return nil, err
	}
	var ev store.EventRow
	var rc store.ReceiptRow
	err = s.pool.QueryRow(ctx, getSQL, q.Platform, q.EventID, q.Source).Scan(
		&ev.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID, &ev.Normalized,
		&ev.NormalizationError, &ev.ReceivedAt, &ev.RecordedAt,
		&rc.Platform, &rc.Source, &rc.EventID, &rc.Headers, &rc.Body, &rc.RemoteAddr, &rc.ReceivedAt,
	)
	if err != nil {
		return nil, mapErr(fmt.Sprintf("get event %s/%s", q.Platform, q.EventID), err)
	}
	rc.ReceiptID = ev.ReceiptID
	return store.GetResult(ev, rc)
}

// ListEvents returns one page of events, newest first. The WHERE clause is
// built from the filters present rather than with "$n IS NULL OR ..." so the
// planner sees plain predicates and picks the matching index; there are few
// combinations, so the statement cache stays small.
func (s *Store) ListEvents(ctx context.Context, req *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error) {
	q, err := store.PrepareList(req)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	add := func(cond string, arg any) {
		args = append(args, arg)
		where = append(where, strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args))))
	}
	if q.Platform != "" {
		add("platform = $?", q.Platform)
	}
	if q.EventType != 0 {
		add("event_type = $?", q.EventType)
	}
	if !q.ReceivedAfter.IsZero() {
		add("received_at >= $?", q.ReceivedAfter)
	}
	if !q.ReceivedBefore.IsZero() {
		add("received_at < $?", q.ReceivedBefore)
	}
	// Not indexed: the scan walks the other filters' index newest first
	// (see ListEventsRequest.source_event_type).
	if q.SourceEventType != "" {
		add("source_event_type = $?", q.SourceEventType)
	}
	if q.EntityID != "" {
		add("entity_id = $?", q.EntityID)
	}
	if q.UserID != "" {
		add("user_id = $?", q.UserID)
	}
	if q.BeforeID != 0 {
		add("id < $?", q.BeforeID)
	}
	var sb strings.Builder
	sb.WriteString(`SELECT id, platform, source, event_id, receipt_id::text, normalized,
    normalization_error, received_at, recorded_at FROM events`)
	if len(where) > 0 {
		sb.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	args = append(args, q.PageSize+1)
	sb.WriteString(" ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args)))

	rows, err := s.pool.Query(ctx, sb.String(), args...)
	if err != nil {
		return nil, mapErr("list events", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.EventRow, error) {
		var ev store.EventRow
		err := row.Scan(&ev.ID, &ev.Platform, &ev.Source, &ev.EventID, &ev.ReceiptID, &ev.Normalized,
			&ev.NormalizationError, &ev.ReceivedAt, &ev.RecordedAt)
		return ev, err
	})
	if err != nil {
		return nil, mapErr("list events", err)
	}
	return store.ListResult(q, list)
}

// SetFilterObserver makes the store tell o what its filters cost. Call it
// before the store serves.
func (s *Store) SetFilterObserver(o store.FilterObserver) { s.filterObs = o }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return mapErr("ping", s.pool.Ping(ctx))
}

// statsSQL counts through the partial indexes deliveries_due_idx (state
// 1) and deliveries_dead_idx (state 3): one scalar subquery each, so the
// planner matches each WHERE to its index instead of scanning the table
// once for both.
const statsSQL = `SELECT (SELECT count(*) FROM deliveries WHERE state = 1),
       (SELECT count(*) FROM deliveries WHERE state = 3)`

// Stats counts pending deliveries and dead letters.
func (s *Store) Stats(ctx context.Context) (pending, dead int64, err error) {
	if err := s.pool.QueryRow(ctx, statsSQL).Scan(&pending, &dead); err != nil {
		return 0, 0, mapErr("delivery stats", err)
	}
	return pending, dead, nil
}

// Close closes the pool, waiting for acquired connections to be released.
func (s *Store) Close() {
	s.records.close()
	s.outcomes.close()
	s.notify.close()
	s.pool.Close()
}
