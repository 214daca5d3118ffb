package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// roomSQL lists the active subscriptions with their free room:
// max_concurrency minus their unexpired leases. $1 now.
var roomSQL = `
SELECT ` + subscriptionColumns("s.") + `, s.max_concurrency - (
        SELECT count(*) FROM deliveries l
        WHERE l.subscription = s.name AND l.lease_token IS NOT NULL
          AND l.state = 1 AND l.next_attempt_at > $1)
FROM subscriptions s
WHERE s.paused = 0
ORDER BY s.name`

// dueSQL takes one subscription's oldest due rows, along the partial index
// deliveries_due_idx. $1 subscription, $2 now, $3 how many.
const dueSQL = `
SELECT delivery_id, next_attempt_at FROM deliveries
WHERE subscription = $1 AND state = 1 AND next_attempt_at <= $2
ORDER BY next_attempt_at, delivery_id
LIMIT $3`

// leaseSQL leases one chosen row. $1 token, $2 dispatcher, $3 expiry,
// $4 now, $5 id.
var leaseSQL = `
UPDATE deliveries SET lease_token = $1, leased_by = $2, next_attempt_at = $3, updated_at = $4
WHERE delivery_id = $5
RETURNING event_row_id, ` + deliveryColumns("")

// orderedDueSQL is dueSQL for an ordered subscription: only deliveries that
// head their key (as in PostgreSQL's claim: no pending delivery of the same
// key recorded before, by event_row_id, and no unexpired lease on the key),
// and those without a key. The probes read deliveries_ordering_idx and
// deliveries_leased_idx, the latter as small as the work in flight.
// $1 subscription, $2 now, $3 how many.
const orderedDueSQL = `
SELECT d.delivery_id, d.next_attempt_at FROM deliveries d
WHERE d.subscription = $1 AND d.state = 1 AND d.next_attempt_at <= $2
  AND (d.ordering_key IS NULL OR (
      NOT EXISTS (SELECT 1 FROM deliveries o INDEXED BY deliveries_ordering_idx
                  WHERE o.subscription = d.subscription AND o.ordering_key = d.ordering_key
                    AND o.ordering_key IS NOT NULL AND o.state = 1 AND o.event_row_id < d.event_row_id)
      AND NOT EXISTS (SELECT 1 FROM deliveries k INDEXED BY deliveries_leased_idx
                      WHERE k.subscription = d.subscription AND k.lease_token IS NOT NULL
                        AND k.ordering_key = d.ordering_key AND k.state = 1 AND k.next_attempt_at > $2)))
ORDER BY d.next_attempt_at, d.delivery_id
LIMIT $3`

// bucketSQL reads a subscription's token bucket. $1 subscription.
const bucketSQL = `SELECT tokens, at FROM rate_buckets WHERE subscription = $1`

// takeTokensSQL stores a bucket after a claim took leases from it.
// $1 subscription, $2 tokens, $3 now.
const takeTokensSQL = `
INSERT INTO rate_buckets (subscription, tokens, at) VALUES ($1, $2, $3)
ON CONFLICT (subscription) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`

// hasDueSQL reports whether a subscription has a due delivery. $1
// subscription, $2 now.
const hasDueSQL = `
SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscription = $1 AND state = 1 AND next_attempt_at <= $2)`

const leasePayloadSQL = `
SELECT e.normalized, r.body, coalesce(json_extract(r.headers, '$."` + store.TraceparentHeader + `"'), '')
FROM events e JOIN receipts r ON r.receipt_id = e.receipt_id WHERE e.id = $1`

// ClaimDeliveries leases due deliveries fairly across subscriptions. The
// whole claim is one write transaction on the single writer, which is what
// makes it safe: no other claim (or outcome) runs between reading the free
// room and the due rows and leasing them, so two callers never get the
// same delivery and max_concurrency is never exceeded. That replaces
// PostgreSQL's advisory lock and FOR UPDATE SKIP LOCKED. Fairness is
// PostgreSQL's: per active subscription its oldest due rows, at most its
// room and the claim's limit, ranked within the subscription; ordering by
// that rank before the limit serves subscriptions round-robin. The
// statements run in-process, so a claim of 64 costs a few index range
// scans and 64 small updates whatever the backlog. The caller's breakers
// shape the claim as in PostgreSQL: a skipped target's subscriptions are
// not read at all, and a probed target gives one row, its oldest due.
func (s *Store) ClaimDeliveries(ctx context.Context, req *ledgerv1.ClaimDeliveriesRequest) (*ledgerv1.ClaimDeliveriesResponse, error) {
	q, err := store.PrepareClaim(req)
	if err != nil {
		return nil, err
	}
	var leases []store.LeaseRow
	var throttled *time.Time
	err = s.write(ctx, "claim deliveries", func(tx *sql.Tx, now int64) ([]string, error) {
		subs, rooms, err := activeRooms(ctx, tx, now)
		if err != nil {
			return nil, err
		}
		type candidate struct {
			id   string
			due  int64
			rank int64
			sub  int
		}
		var chosen []candidate
		probes := map[string]candidate{} // the oldest due row of each probed target
		tokens := map[int]float64{}      // of the subscriptions with a rate, by index
		for i, sub := range subs {
			if slices.Contains(q.SkipTargets, sub.Target) {
				continue
			}
			probe := slices.Contains(q.ProbeTargets, sub.Target)
			n := min(rooms[i], int64(q.Limit))
			if probe {
				n = min(n, 1)
			}
			if sub.RatePerSecond > 0 {
				t, err := bucketTokens(ctx, tx, sub, now)
				if err != nil {
					return nil, err
				}
				tokens[i] = t
				n = min(n, store.Whole(t))
			}
			if n <= 0 {
				continue
			}
			due := dueSQL
			if sub.OrderingKey != "" {
				due = orderedDueSQL
			}
			rows, err := tx.QueryContext(ctx, due, sub.Name, now, n)
			if err != nil {
				return nil, fmt.Errorf("due rows of %q: %w", sub.Name, err)
			}
			for rank := int64(1); rows.Next(); rank++ {
				c := candidate{rank: rank, sub: i}
				if err := rows.Scan(&c.id, &c.due); err != nil {
					rows.Close()
					return nil, err
				}
				if !probe {
					chosen = append(chosen, c)
				} else if p, ok := probes[sub.Target]; !ok || cmp.Or(cmp.Compare(c.due, p.due), strings.Compare(c.id, p.id)) < 0 {
					probes[sub.Target] = c
				}
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
		for _, c := range probes {
			chosen = append(chosen, c)
		}
		slices.SortFunc(chosen, func(a, b candidate) int {
			return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.due, b.due), strings.Compare(a.id, b.id))
		})
		chosen = chosen[:min(len(chosen), q.Limit)]
		taken := map[int]int{}
		for _, c := range chosen {
			taken[c.sub]++
		}
		for _, c := range chosen {
			sub := subs[c.sub]
			// max(requested, timeout + margin): a lease ending before the
			// call's deadline would let a second dispatcher deliver while
			// the first still waits.
			lease := max(q.LeaseDuration.Microseconds(), sub.TimeoutMS*1000+store.LeaseMargin.Microseconds())
			l := store.LeaseRow{Rank: c.rank, LeaseToken: uuid.NewString(), Subscription: sub}
			l.DueAt = microsTime(c.due)
			var eventRowID int64
			dst := append([]any{&eventRowID}, deliveryDest(&l.Delivery)...)
			if err := tx.QueryRowContext(ctx, leaseSQL, l.LeaseToken, q.DispatcherID, now+lease, now, c.id).Scan(dst...); err != nil {
				return nil, fmt.Errorf("lease %s: %w", c.id, err)
			}
			if err := tx.QueryRowContext(ctx, leasePayloadSQL, eventRowID).Scan(&l.Normalized, &l.Payload, &l.Traceparent); err != nil {
				return nil, fmt.Errorf("event of %s: %w", c.id, err)
			}
			leases = append(leases, l)
		}
		// After the leases, so the due rows it looks for are those left.
		throttled, err = takeTokens(ctx, tx, subs, tokens, taken, now)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return store.ClaimResult(leases, throttled)
}

// bucketTokens returns the tokens of sub's rate at now.
func bucketTokens(ctx context.Context, tx *sql.Tx, sub store.SubscriptionRow, now int64) (float64, error) {
	var stored float64
	var at int64
	err := tx.QueryRowContext(ctx, bucketSQL, sub.Name).Scan(&stored, &at)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("rate of %q: %w", sub.Name, err)
	}
	r := store.Rate{PerSecond: sub.RatePerSecond, Burst: sub.RateBurst}
	return r.Tokens(stored, microsTime(at), err == nil, microsTime(now)), nil
}

// takeTokens stores the buckets the claim took leases from and returns
// when the earliest subscription left with due deliveries and less than a
// token gets its next one (nil when none is), as PostgreSQL's throttledSQL.
func takeTokens(ctx context.Context, tx *sql.Tx, subs []store.SubscriptionRow, tokens map[int]float64,
	taken map[int]int, now int64) (*time.Time, error) {
	var next *time.Time
	for i, t := range tokens {
		sub := subs[i]
		if n := taken[i]; n > 0 {
			t -= float64(n)
			if _, err := tx.ExecContext(ctx, takeTokensSQL, sub.Name, t, now); err != nil {
				return nil, fmt.Errorf("rate of %q: %w", sub.Name, err)
			}
		}
		if t >= 1 {
			continue
		}
		var due bool
		if err := tx.QueryRowContext(ctx, hasDueSQL, sub.Name, now).Scan(&due); err != nil {
			return nil, fmt.Errorf("due rows of %q: %w", sub.Name, err)
		}
		if at := (store.Rate{PerSecond: sub.RatePerSecond, Burst: sub.RateBurst}).NextToken(t, microsTime(now)); due &&
			(next == nil || at.Before(*next)) {
			next = &at
		}
	}
	return next, nil
}

// activeRooms reads the active subscriptions and the free room of each.
func activeRooms(ctx context.Context, tx *sql.Tx, now int64) ([]store.SubscriptionRow, []int64, error) {
	rows, err := tx.QueryContext(ctx, roomSQL, now)
	if err != nil {
		return nil, nil, fmt.Errorf("read subscriptions: %w", err)
	}
	defer rows.Close()
	var subs []store.SubscriptionRow
	var rooms []int64
	for rows.Next() {
		var r store.SubscriptionRow
		var room int64
		if err := rows.Scan(append(subscriptionDest(&r), &room)...); err != nil {
			return nil, nil, fmt.Errorf("read subscriptions: %w", err)
		}
		subs, rooms = append(subs, r), append(rooms, room)
	}
	return subs, rooms, rows.Err()
}

// outcomeSQL applies a Complete, Retry or DeadLetter, but only while the
// lease token still holds the delivery: a slow dispatcher whose lease
// expired and was re-claimed cannot overwrite the newer attempt. An
// expired lease nobody re-claimed still matches (no newer attempt exists).
// $1 id, $2 token, $3 state, $4 1 when counted, $5 next_attempt_at,
// $6 error, $7 now.
const outcomeSQL = `
UPDATE deliveries SET
    state = $3,
    attempts = attempts + $4,
    next_attempt_at = $5,
    last_error = CASE WHEN $6 = '' THEN last_error ELSE $6 END,
    dead_at = CASE WHEN $3 = 3 THEN $7 END,
    lease_token = NULL,
    leased_by = '',
    updated_at = $7
WHERE delivery_id = $1 AND lease_token = $2 AND state = 1
RETURNING attempts, subscription`

const insertAttemptSQL = `
INSERT INTO delivery_attempts (delivery_id, attempt, at, error_class, code, error, dispatcher_id, duration_us)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// applyOutcome runs outcomeSQL and the history row in one write
// transaction, and wakes the other dispatchers for a retry due now (a
// release at dispatcher shutdown).
func (s *Store) applyOutcome(ctx context.Context, op string, o store.Outcome) error {
	return s.write(ctx, fmt.Sprintf("%s %s", op, o.DeliveryID), func(tx *sql.Tx, now int64) ([]string, error) {
		next := now
		if !o.NextAttemptAt.IsZero() {
			next = o.NextAttemptAt.UnixMicro()
		}
		counted := 0
		if o.Counted {
			counted = 1
		}
		var attempts int32
		var sub string
		err := tx.QueryRowContext(ctx, outcomeSQL, o.DeliveryID, o.LeaseToken, o.State, counted, next, o.Error, now).
			Scan(&attempts, &sub)
		if errors.Is(err, sql.ErrNoRows) {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries WHERE delivery_id = $1)`,
				o.DeliveryID).Scan(&exists); err != nil {
				return nil, err
			}
			return nil, store.OutcomeError(o, exists)
		}
		if err != nil {
			return nil, err
		}
		attempt := int32(0) // uncounted deferrals are numbered 0
		if o.Counted {
			attempt = attempts
		}
		if !o.NoHistory { // a deferral the breaker refused: see store.RefusedByBreaker
			if _, err := tx.ExecContext(ctx, insertAttemptSQL, o.DeliveryID, attempt, now, o.ErrorClass, o.Code, o.Error,
				o.DispatcherID, o.DurationMicros); err != nil {
				return nil, fmt.Errorf("insert history: %w", err)
			}
		}
		if o.State == store.StatePending && next <= now {
			return []string{sub}, nil
		}
		return nil, nil
	})
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
// their history, all read in one snapshot.
func (s *Store) ListDeliveries(ctx context.Context, req *ledgerv1.ListDeliveriesRequest) (*ledgerv1.ListDeliveriesResponse, error) {
	q, err := store.PrepareListDeliveries(req)
	if err != nil {
		return nil, err
	}
	var resp *ledgerv1.ListDeliveriesResponse
	err = s.read(ctx, fmt.Sprintf("list deliveries of %s/%s", q.Platform, q.EventID), func(tx *sql.Tx) error {
		var eventRowID int64
		if err := tx.QueryRowContext(ctx, eventRowSQL, q.Platform, q.EventID, q.Source).Scan(&eventRowID); err != nil {
			return err
		}
		rows, err := queryDeliveries(ctx, tx,
			`SELECT `+deliveryColumns("d.")+` FROM deliveries d WHERE d.event_row_id = $1 ORDER BY d.subscription, d.generation`,
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
		return nil, err
	}
	return resp, nil
}

func queryDeliveries(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]store.DeliveryRow, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.DeliveryRow
	for rows.Next() {
		var d store.DeliveryRow
		if err := rows.Scan(deliveryDest(&d)...); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// queryAttempts reads the history of deliveries, oldest first. The ids go
// in as one JSON array: SQLite has no array parameters.
func queryAttempts(ctx context.Context, tx *sql.Tx, deliveries []store.DeliveryRow) ([]store.AttemptRow, error) {
	if len(deliveries) == 0 {
		return nil, nil
	}
	ids := make([]string, len(deliveries))
	for i, d := range deliveries {
		ids[i] = d.DeliveryID
	}
	idList, err := jsonText(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
SELECT delivery_id, attempt, at, error_class, code, error, dispatcher_id, duration_us
FROM delivery_attempts WHERE delivery_id IN (SELECT value FROM json_each($1)) ORDER BY id`, idList)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AttemptRow
	for rows.Next() {
		var a store.AttemptRow
		if err := rows.Scan(&a.DeliveryID, &a.Attempt, micros{&a.At}, &a.ErrorClass, &a.Code, &a.Error, &a.DispatcherID,
			&a.DurationMicros); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// releaseHistorySQL adds the history row of each lease releaseSQL is about
// to release; both run in one write transaction, so they see the same rows.
// $1 dispatcher id, $2 history error, $3 now.
const releaseHistorySQL = `
INSERT INTO delivery_attempts (delivery_id, attempt, at, error_class, code, error, dispatcher_id)
SELECT delivery_id, 0, $3, 0, '', $2, $1 FROM deliveries
WHERE lease_token IS NOT NULL AND leased_by = $1 AND state = 1
ORDER BY delivery_id`

// releaseSQL releases the leases a dispatcher holds. $1 dispatcher id,
// $2 now.
const releaseSQL = `
UPDATE deliveries SET lease_token = NULL, leased_by = '', next_attempt_at = $2, updated_at = $2
WHERE lease_token IS NOT NULL AND leased_by = $1 AND state = 1
RETURNING subscription`

// ReleaseLeases makes the deliveries leased under a dispatcher id due now,
// with their history rows, and wakes Listen for their subscriptions.
func (s *Store) ReleaseLeases(ctx context.Context, req *ledgerv1.ReleaseLeasesRequest) (*ledgerv1.ReleaseLeasesResponse, error) {
	id, err := store.PrepareReleaseLeases(req)
	if err != nil {
		return nil, err
	}
	var released int32
	err = s.write(ctx, fmt.Sprintf("release leases of %q", id), func(tx *sql.Tx, now int64) ([]string, error) {
		if _, err := tx.ExecContext(ctx, releaseHistorySQL, id, store.ReleaseReason, now); err != nil {
			return nil, fmt.Errorf("insert history: %w", err)
		}
		rows, err := tx.QueryContext(ctx, releaseSQL, id, now)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var subs []string
		for rows.Next() {
			var sub string
			if err := rows.Scan(&sub); err != nil {
				return nil, err
			}
			released++
			if !slices.Contains(subs, sub) {
				subs = append(subs, sub)
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return subs, nil
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.ReleaseLeasesResponse{Released: released}, nil
}
