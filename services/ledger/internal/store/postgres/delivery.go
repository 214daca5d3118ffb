package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// claimLockSQL serializes claims of one ledger (schema). Without it two
// claims running together would each count the other's fresh leases as
// free room, from snapshots taken before either committed, and together
// exceed max_concurrency. A claim is one short statement, so waiting for
// the other is cheaper than the overshoot; SKIP LOCKED still keeps a claim
// from waiting on rows that outcome reports are updating.
//
// The same statement sets four transaction-local settings for the claim
// that follows: relaxed commit (see relaxedSQL: a claim lost in a crash only
// means the delivery is made again), the generic plan, no sequential scans
// and no bitmap scans. Why the generic plan: PostgreSQL otherwise re-plans this statement,
// with its window and LATERAL, for its parameters on most executions, and
// planning cost more than executing a small claim; the plan does not depend
// on the values. Why no sequential scans: the generic plan is made once per
// connection and kept until the table's statistics change, and one made
// while deliveries is nearly empty (a new ledger, before autovacuum first
// analyzes it) joins the claimed rows to a sequential scan of the whole
// table, which then runs on every claim as the table grows (the benchmark's
// first minutes: 1,500 scans reading 2.8 million rows in 15 s at 500/s).
// Every access of this statement has an index; the setting makes the plan
// use them whatever the statistics say. Why no bitmap scans: every
// delivery leaves a dead row in delivery_leases (its outcome deletes the
// lease), and a bitmap scan never marks an index entry dead, so counting a
// subscription's leases (room) read every lease it had since the last
// vacuum, on every claim: at 500/s with autovacuum off, 1.24 ms per claim
// after a minute and growing (0007's autovacuum settings bound it when
// autovacuum runs). A plain index scan marks the dead entries the first
// time it meets them and skips them after (0.38 ms;
// TestClaimPlanUsesIndexesOnEmptyTable).
const claimLockSQL = `SELECT pg_advisory_xact_lock(hashtext('hookmesh.ledger.claim.' || current_schema())),
    ` + relaxedCall + `, ` + indexedGenericPlanCalls

// indexedGenericPlanCalls set, for the rest of the transaction, the generic
// plan and no sequential or bitmap scans: the claims' settings, for a
// statement planned once per connection that must reach its tables
// through their indexes whatever the statistics (why: claimLockSQL).
const indexedGenericPlanCalls = `set_config('plan_cache_mode', 'force_generic_plan', true),
    set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`

// claimSQL leases due deliveries, fairly: per active subscription a LATERAL
// subquery takes its oldest due rows, at most its free room (max_concurrency
// minus its unexpired leases), at most the whole tokens of its rate and at
// most the claim's limit, skipping rows under an unexpired lease and rows
// locked by others; row_number ranks them within their subscription, and
// ordering by that rank before the limit interleaves subscriptions
// round-robin, so a backlog on one never hides another's first row.
// A lease is a row of delivery_leases (migration 0007): the claim locks the
// chosen deliveries rows (so an outcome committing meanwhile is waited for,
// and a delivery it finished is not handed out again) and inserts their
// leases, replacing expired ones; the deliveries rows themselves are not
// written. The lateral scan steps over the subscription's unexpired leases,
// as many as its work in flight.
// statement_timestamp(), not now(): now() is the transaction's start, before
// the wait for claimLockSQL.
// The caller's breakers shape the claim: subscriptions whose target is in
// $5 (breaker open) are left out before their rows are even read, so an
// outage's backlog costs nothing per claim; a target in $6 (half-open)
// gives at most one row per subscription, and of those only the oldest due
// per target is chosen (DISTINCT ON): one trial call.
//
// Rate (migration 0009): a subscription with rate_per_second > 0 has a
// token bucket in rate_buckets (no row: full). Its tokens now are the
// stored ones plus rate_per_second per second since they were stored, at
// most rate_burst; the claim takes one per lease (taken), so the bucket is
// shared by every dispatcher, claims being serialized by claimLockSQL. A
// delivery the rate holds back is simply not claimed: no attempt, no
// history, it stays due in its place.
//
// Ordering (migration 0009): of an ordered subscription (ordering_key set)
// only a delivery that heads its key is claimable: no pending delivery of
// the same key recorded before it (event_row_id, the order in which the
// ledger recorded the events) and no unexpired lease on the key. A retried
// head keeps its key's later deliveries waiting (they are pending and
// recorded after it); a delivered, dead-lettered or cancelled one is no
// longer pending and releases the key. The test is written behind
// "NOT subs.ordered OR", which PostgreSQL evaluates left to right: for an
// unordered subscription its subplans never run (see TestClaimPlan).
//
// The returned delivery's next_attempt_at is the lease's expiry, when it is
// due again if no outcome comes.
// $1 limit, $2 dispatcher id, $3 requested lease in microseconds, $4 margin
// added to the subscription's timeout in milliseconds, $5 skipped targets,
// $6 probed targets. A var only because claimDeliveryCols is one.
var claimSQL = `
WITH subs AS (
    SELECT s.name, s.target, s.timeout_ms, s.target = ANY (coalesce($6::text[], '{}')) AS probe,
        s.ordering_key <> '' AS ordered,
        CASE WHEN s.rate_per_second > 0 THEN least(s.rate_burst::double precision, coalesce(
            b.tokens + extract(epoch FROM statement_timestamp() - b.at) * s.rate_per_second,
            s.rate_burst)) END AS tokens,
        s.max_concurrency - (
            SELECT count(*) FROM delivery_leases l
            WHERE l.subscription = s.name AND l.expires_at > statement_timestamp()) AS room
    FROM subscriptions s LEFT JOIN rate_buckets b ON b.subscription = s.name
    WHERE NOT s.paused AND NOT s.target = ANY (coalesce($5::text[], '{}'))
), due AS (
    SELECT c.delivery_id, c.next_attempt_at, c.ordering_key, subs.name, subs.target, subs.timeout_ms, subs.probe,
        row_number() OVER (PARTITION BY subs.name ORDER BY c.next_attempt_at, c.delivery_id) AS rank
    FROM subs CROSS JOIN LATERAL (
        SELECT d.delivery_id, d.next_attempt_at, d.ordering_key FROM deliveries d
        WHERE d.subscription = subs.name AND d.state = 1 AND d.next_attempt_at <= statement_timestamp()
          AND NOT EXISTS (SELECT 1 FROM delivery_leases l
                          WHERE l.delivery_id = d.delivery_id AND l.expires_at > statement_timestamp())
          AND (NOT subs.ordered OR d.ordering_key IS NULL OR (
              NOT EXISTS (SELECT 1 FROM deliveries o
                          WHERE o.subscription = d.subscription AND o.ordering_key = d.ordering_key
                            AND o.ordering_key IS NOT NULL AND o.state = 1 AND o.event_row_id < d.event_row_id)
              AND NOT EXISTS (SELECT 1 FROM delivery_leases k
                              WHERE k.subscription = d.subscription AND k.ordering_key = d.ordering_key
                                AND k.expires_at > statement_timestamp())))
        ORDER BY d.next_attempt_at
        LIMIT greatest(least(subs.room, CASE WHEN subs.probe THEN 1 ELSE $1 END,
            coalesce(floor(subs.tokens)::bigint, $1)), 0)
        FOR UPDATE OF d SKIP LOCKED
    ) c
), chosen AS (
    SELECT delivery_id, next_attempt_at, ordering_key, name, timeout_ms, rank FROM (
        SELECT delivery_id, next_attempt_at, ordering_key, name, timeout_ms, rank FROM due WHERE NOT probe
        UNION ALL
        (SELECT DISTINCT ON (target) delivery_id, next_attempt_at, ordering_key, name, timeout_ms, rank
         FROM due WHERE probe
         ORDER BY target, next_attempt_at, delivery_id)
    ) u
    ORDER BY rank, next_attempt_at, delivery_id
    LIMIT $1
), taken AS (
    INSERT INTO rate_buckets AS b (subscription, tokens, at)
    SELECT subs.name, subs.tokens - t.n, statement_timestamp()
    FROM (SELECT name, count(*) AS n FROM chosen GROUP BY name) t JOIN subs ON subs.name = t.name
    WHERE subs.tokens IS NOT NULL
    ON CONFLICT (subscription) DO UPDATE SET tokens = excluded.tokens, at = excluded.at
), leased AS (
    INSERT INTO delivery_leases AS l (delivery_id, subscription, token, leased_by, expires_at, ordering_key)
    SELECT delivery_id, name, gen_random_uuid(), $2, statement_timestamp() + greatest(
        $3::bigint * interval '1 microsecond',
        (timeout_ms + $4::bigint) * interval '1 millisecond'), ordering_key
    FROM chosen
    ON CONFLICT (delivery_id) DO UPDATE
        SET token = excluded.token, leased_by = excluded.leased_by, expires_at = excluded.expires_at,
            ordering_key = excluded.ordering_key
    RETURNING l.delivery_id, l.token, l.expires_at
)
SELECT chosen.rank, chosen.next_attempt_at, leased.token::text, e.normalized, coalesce(r.body, ''::bytea),
    coalesce(r.headers ->> '` + store.TraceparentHeader + `', ''),
    ` + claimDeliveryCols + `, ` + subscriptionColsS + `
FROM chosen
JOIN leased ON leased.delivery_id = chosen.delivery_id
JOIN deliveries d ON d.delivery_id = chosen.delivery_id
JOIN events e ON e.id = d.event_row_id
` + receiptJoinSQL + `
JOIN subscriptions s ON s.name = d.subscription`

// throttledSQL runs after claimSQL in its transaction (so it reads the
// buckets the claim just wrote): when the earliest subscription that has
// due deliveries but less than one token gets its next one, NULL when
// none does. It starts from the subscriptions with a rate and a bucket
// row, so a ledger without rates pays one empty join, and probes each
// one's due deliveries for a single row (the LATERAL's LIMIT keeps
// PostgreSQL from turning the probe into a join that reads every due
// delivery of every subscription first: written as EXISTS, it did, and
// each claim read the whole backlog, 0.7 ms for 2,000 pending deliveries
// and growing with them; TestThrottledReadsOneDueRow). The probe reads
// the same index as the claim; a due delivery under a lease or behind its
// key only makes the dispatcher claim once for nothing.
// $1 skipped targets.
const throttledSQL = `
SELECT min(b.at + (1 - b.tokens) / s.rate_per_second * interval '1 second')
FROM subscriptions s JOIN rate_buckets b ON b.subscription = s.name
CROSS JOIN LATERAL (SELECT 1 FROM deliveries d
                    WHERE d.subscription = s.name AND d.state = 1 AND d.next_attempt_at <= statement_timestamp()
                    LIMIT 1) due
WHERE s.rate_per_second > 0 AND NOT s.paused AND NOT s.target = ANY (coalesce($1::text[], '{}'))
  AND b.tokens + extract(epoch FROM statement_timestamp() - b.at) * s.rate_per_second < 1`

// claimDeliveryCols is deliveryCols with the lease's expiry for
// next_attempt_at: what a claimed delivery's row would say if the lease were
// stored in it, and the Lease's lease_expires_at.
var claimDeliveryCols = strings.Replace(deliveryCols, "d.next_attempt_at", "leased.expires_at", 1)

// ClaimDeliveries leases due deliveries fairly across subscriptions.
func (s *Store) ClaimDeliveries(ctx context.Context, req *ledgerv1.ClaimDeliveriesRequest) (*ledgerv1.ClaimDeliveriesResponse, error) {
	q, err := store.PrepareClaim(req)
	if err != nil {
		return nil, err
	}
	// The lock and the claim go as one batch: one round trip, run as one
	// implicit transaction, so the lock is held until the claim commits.
	// Each statement still takes its own snapshot (read committed), so the
	// claim sees every lease committed before the lock was granted.
	var leases []store.LeaseRow
	b := &pgx.Batch{}
	b.Queue(claimLockSQL)
	b.Queue(claimSQL, q.Limit, q.DispatcherID, q.LeaseDuration.Microseconds(), store.LeaseMargin.Milliseconds(),
		q.SkipTargets, q.ProbeTargets).
		Query(func(rows pgx.Rows) (err error) {
			leases, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.LeaseRow, error) {
				var l store.LeaseRow
				dst := append([]any{&l.Rank, &l.DueAt, &l.LeaseToken, &l.Normalized, &l.Payload, &l.Traceparent},
					deliveryDest(&l.Delivery)...)
				return l, row.Scan(append(dst, subscriptionDest(&l.Subscription)...)...)
			})
			return err
		})
	var throttled *time.Time
	b.Queue(throttledSQL, q.SkipTargets).QueryRow(func(row pgx.Row) error { return row.Scan(&throttled) })
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapErr("claim deliveries", err)
	}
	return store.ClaimResult(leases, throttled)
}

// outcomeSQL applies a Complete, Retry or DeadLetter in one statement: the
// update holds only while the caller's lease is the delivery's lease (so a
// slow dispatcher whose lease expired and was re-claimed cannot overwrite the
// newer attempt), the lease is then deleted, the history row is inserted from
// the update's RETURNING, and a retry due now (a release at dispatcher
// shutdown) notifies the other dispatchers. An expired lease nobody
// re-claimed still matches: no newer attempt exists, so its outcome is the
// truth. A deferral the breaker refused ($10, store.RefusedByBreaker) inserts
// no history row.
// Lock order: the update locks the deliveries row before the delete touches
// the lease (the delete waits for d: its WHERE reads d's count), the order a
// claim takes them in, so the two never wait for each other in a cycle.
// The second column (does the delivery exist, for the error of a failed
// outcome) is read only when the update matched nothing. The pending test
// is pendingRowSQL, so that the row is found through its primary key.
// $1 id, $2 token, $3 state, $4 counted, $5 next_attempt_at or NULL (now),
// $6 error, $7 error class, $8 code, $9 dispatcher id, $10 no history,
// $11 the call's duration in microseconds or NULL.
const outcomeSQL = `
WITH d AS (
    UPDATE deliveries SET
        state = $3::smallint,
        attempts = attempts + CASE WHEN $4::boolean THEN 1 ELSE 0 END,
        next_attempt_at = coalesce($5::timestamptz, now()),
        last_error = CASE WHEN $6::text = '' THEN last_error ELSE $6::text END,
        dead_at = CASE WHEN $3::smallint = 3 THEN now() END,
        updated_at = now()
    FROM delivery_leases l
    WHERE deliveries.delivery_id = $1 AND l.delivery_id = $1 AND l.token = $2 AND ` + pendingRowSQL + `
    RETURNING deliveries.delivery_id, deliveries.attempts, deliveries.subscription, deliveries.state,
        deliveries.next_attempt_at
), l AS (
    DELETE FROM delivery_leases WHERE delivery_id = $1 AND token = $2 AND (SELECT count(*) FROM d) >= 0
), h AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, at, error_class, code, error, dispatcher_id, duration_us)
    SELECT delivery_id, CASE WHEN $4::boolean THEN attempts ELSE 0 END, now(), $7, $8, $6::text, $9, $11::bigint FROM d
    WHERE NOT $10::boolean
), nt AS (` + notifySQL + ` FROM d WHERE state = 1 AND next_attempt_at <= now() HAVING count(*) > 0
)
SELECT EXISTS (SELECT 1 FROM d),
    CASE WHEN EXISTS (SELECT 1 FROM d) THEN true ELSE EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1) END,
    (SELECT count(*) FROM nt)`

// pendingRowSQL (an outcome's row, deliveries) and deadRowSQL (a replay's,
// d) test the state of the one delivery a statement finds by its id, in a
// form no partial index's predicate (WHERE state = 1, WHERE state = 3) can
// be proved from. With a plain "state = 1" PostgreSQL may plan such a
// statement as a full scan of deliveries_due_idx filtered by delivery_id,
// and did: the generic plan a connection keeps, made while deliveries is
// empty and never analyzed, found both indexes equally cheap, so every
// outcome then read every pending delivery's index entry (387 buffers an
// outcome with a backlog at 2,000 webhooks/s, where it needs about 25;
// TestSingleRowPlansUsePrimaryKey); a replay did the same over
// deliveries_dead_idx. "+ 0" keeps the test exact and leaves the primary
// key the only index that can serve the lookup.
const (
	pendingRowSQL = `deliveries.state + 0 = 1`
	deadRowSQL    = `d.state + 0 = 3`
)

func (s *Store) applyOutcome(ctx context.Context, op string, o store.Outcome) error {
	var next any // NULL: the store's clock
	if !o.NextAttemptAt.IsZero() {
		next = o.NextAttemptAt
	}
	var updated, exists bool
	var notified int64
	err := s.outcomes.run(ctx, &groupOp{
		key: "d\x00" + o.DeliveryID, sql: outcomeSQL,
		args: []any{o.DeliveryID, o.LeaseToken, o.State, o.Counted, next, o.Error, o.ErrorClass, o.Code, o.DispatcherID,
			o.NoHistory, o.DurationMicros},
		scan: func(row pgx.Row) error { return row.Scan(&updated, &exists, &notified) },
	})
	if err != nil {
		return mapErr(fmt.Sprintf("%s %s", op, o.DeliveryID), err)
	}
	if !updated {
		return fmt.Errorf("%s: %w", op, store.OutcomeError(o, exists))
	}
	return nil
}

// CompleteDelivery records a delivered attempt.
func (s *Store) CompleteDelivery(ctx context.Context, req *ledgerv1.CompleteDeliveryRequest) (*ledgerv1.CompleteDeliveryResponse, error) {
	o, err := store.PrepareComplete(req)
	if err != nil {
		return nil, err
	}
	if err := s.applyOutcome(ctx, "complete delivery", o); err != nil {
		return nil, err
	}
	return &ledgerv1.CompleteDeliveryResponse{}, nil
}

// RetryDelivery records a failed or deferred attempt.
func (s *Store) RetryDelivery(ctx context.Context, req *ledgerv1.RetryDeliveryRequest) (*ledgerv1.RetryDeliveryResponse, error) {
	o, err := store.PrepareRetry(req)
	if err != nil {
		return nil, err
	}
	if err := s.applyOutcome(ctx, "retry delivery", o); err != nil {
		return nil, err
	}
	return &ledgerv1.RetryDeliveryResponse{}, nil
}

// DeadLetterDelivery moves a leased delivery to the dead-letter queue.
func (s *Store) DeadLetterDelivery(ctx context.Context, req *ledgerv1.DeadLetterDeliveryRequest) (*ledgerv1.DeadLetterDeliveryResponse, error) {
	o, err := store.PrepareDeadLetter(req)
	if err != nil {
		return nil, err
	}
	if err := s.applyOutcome(ctx, "dead-letter delivery", o); err != nil {
		return nil, err
	}
	return &ledgerv1.DeadLetterDeliveryResponse{}, nil
}

// eventRowSQL finds the event ListDeliveries names, as GetEvent does.
const eventRowSQL = `
SELECT id FROM events
WHERE platform = $1 AND event_id = $2 AND ($3 = '' OR source = $3)
ORDER BY received_at DESC, id DESC
LIMIT 1`

// ListDeliveries returns the event's deliveries, by subscription, with
// their history. The reads share one repeatable-read snapshot so a history
// row never shows up for a delivery state it postdates.
func (s *Store) ListDeliveries(ctx context.Context, req *ledgerv1.ListDeliveriesRequest) (*ledgerv1.ListDeliveriesResponse, error) {
	q, err := store.PrepareListDeliveries(req)
	if err != nil {
		return nil, err
	}
	op := fmt.Sprintf("list deliveries of %s/%s", q.Platform, q.EventID)
	var resp *ledgerv1.ListDeliveriesResponse
	err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var eventRowID int64
		if err := tx.QueryRow(ctx, eventRowSQL, q.Platform, q.EventID, q.Source).Scan(&eventRowID); err != nil {
			return err
		}
		rows, err := queryDeliveries(ctx, tx,
			`SELECT `+deliveryCols+` FROM deliveries d WHERE d.event_row_id = $1 ORDER BY d.subscription, d.generation`,
			eventRowID)
		if err != nil {
			return err
		}
		attempts, err := queryAttempts(ctx, tx, rows)
		if err != nil {
			return err
		}
		resp = &ledgerv1.ListDeliveriesResponse{Deliveries: store.WithHistory(rows, attempts)}
		return nil
	})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return resp, nil
}

// deliveryCols lists the columns deliveryDest scans, of a deliveries
// table under the alias d (as every statement here names it).
const deliveryCols = `d.delivery_id::text, d.subscription, d.platform, d.source, d.event_id, d.state,
    d.attempts, d.replays, d.next_attempt_at, d.last_error, d.created_at, d.updated_at, d.dead_at,
    coalesce(d.redelivery_of::text, ''), coalesce(d.job_id::text, '')`

// deliveryDest returns scan destinations for deliveryCols.
func deliveryDest(r *store.DeliveryRow) []any {
	return []any{&r.DeliveryID, &r.Subscription, &r.Platform, &r.Source, &r.EventID, &r.State,
		&r.Attempts, &r.Replays, &r.NextAttemptAt, &r.LastError, &r.CreatedAt, &r.UpdatedAt, &r.DeadAt,
		&r.RedeliveryOf, &r.JobID}
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryDeliveries(ctx context.Context, q querier, sql string, args ...any) ([]store.DeliveryRow, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.DeliveryRow, error) {
		var d store.DeliveryRow
		return d, row.Scan(deliveryDest(&d)...)
	})
}

// queryAttempts reads the history of deliveries, oldest first.
func queryAttempts(ctx context.Context, q querier, deliveries []store.DeliveryRow) ([]store.AttemptRow, error) {
	if len(deliveries) == 0 {
		return nil, nil
	}
	ids := make([]string, len(deliveries))
	for i, d := range deliveries {
		ids[i] = d.DeliveryID
	}
	rows, err := q.Query(ctx, `
SELECT delivery_id::text, attempt, at, error_class, code, error, dispatcher_id, duration_us
FROM delivery_attempts WHERE delivery_id = ANY ($1::uuid[]) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AttemptRow, error) {
		var a store.AttemptRow
		return a, row.Scan(&a.DeliveryID, &a.Attempt, &a.At, &a.ErrorClass, &a.Code, &a.Error, &a.DispatcherID,
			&a.DurationMicros)
	})
}

// releaseSQL releases the leases a dispatcher holds, as outcomeSQL
// releases one at shutdown but without a token: the dispatcher that took
// them is dead, so its id is all that names them. Deleting a lease is all a
// release takes: the delivery's next_attempt_at is still the time it became
// due, so it is due at once, in its place. Each released delivery gets its
// history row, and one notification names their subscriptions so the
// dispatchers wake. delivery_leases holds only the work in flight, so the
// scan by leased_by is short.
// $1 dispatcher id, $2 history error.
const releaseSQL = `
WITH up AS (
    DELETE FROM delivery_leases l WHERE l.leased_by = $1
    RETURNING l.delivery_id, l.subscription
), h AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, at, error_class, code, error, dispatcher_id)
    SELECT delivery_id, 0, now(), 0, '', $2::text, $1 FROM up
), nt AS (` + notifySQL + ` FROM up HAVING count(*) > 0
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM nt)`

// ReleaseLeases makes the deliveries leased under a dispatcher id due now.
// A plain synchronous statement: it runs once per dispatcher start.
func (s *Store) ReleaseLeases(ctx context.Context, req *ledgerv1.ReleaseLeasesRequest) (*ledgerv1.ReleaseLeasesResponse, error) {
	id, err := store.PrepareReleaseLeases(req)
	if err != nil {
		return nil, err
	}
	var released, notified int64
	if err := s.pool.QueryRow(ctx, releaseSQL, id, store.ReleaseReason).Scan(&released, &notified); err != nil {
		return nil, mapErr(fmt.Sprintf("release leases of %q", id), err)
	}
	return &ledgerv1.ReleaseLeasesResponse{Released: int32(released)}, nil
}
