package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// subscriptionColsS is subscriptionCols of a table under the alias s.
const subscriptionColsS = `s.name, s.target, s.platforms, s.event_types, s.retry_policy, s.timeout_ms,
    s.max_concurrency, s.paused, s.created_at, s.updated_at,
    s.filter, s.rate_per_second, s.rate_burst, s.ordering_key, s.start_from, s.payload, s.secrets`

// subscriptionCols lists the columns subscriptionDest scans.
const subscriptionCols = `name, target, platforms, event_types, retry_policy, timeout_ms, max_concurrency, paused, created_at, updated_at,
    filter, rate_per_second, rate_burst, ordering_key, start_from, payload, secrets`

func subscriptionDest(r *store.SubscriptionRow) []any {
	return []any{&r.Name, &r.Target, &r.Platforms, &r.EventTypes, &r.RetryPolicy,
		&r.TimeoutMS, &r.MaxConcurrency, &r.Paused, &r.CreatedAt, &r.UpdatedAt,
		&r.Filter, &r.RatePerSecond, &r.RateBurst, &r.OrderingKey, &r.StartFrom, &r.Payload, &r.Secrets}
}

// settingsArgs are the parameters $1..$15 of the statements below, in the
// order of settingsCols.
func settingsArgs(r store.SubscriptionRow) []any {
	return []any{r.Name, r.Target, r.Platforms, r.EventTypes, r.RetryPolicy, r.TimeoutMS, r.MaxConcurrency, r.Paused,
		r.Filter, r.RatePerSecond, r.RateBurst, r.OrderingKey, r.StartFrom, r.Payload, r.Secrets}
}

// settingsCols are the columns a create or an update writes, $1..$15.
const settingsCols = `name, target, platforms, event_types, retry_policy, timeout_ms, max_concurrency, paused,
    filter, rate_per_second, rate_burst, ordering_key, start_from, payload, secrets`

// refreshFilters reloads the Record path's list of filtered subscriptions
// after this ledger changed a subscription: without it the next Record
// would find the list stale (and reload it then), and a filter removed or
// deleted would go on being evaluated, uselessly, until some other change
// made the list stale. A failure only leaves that to the stale check.
func (s *Store) refreshFilters(ctx context.Context) {
	_ = s.loadFilters(ctx)
}

// querySubscription runs sql, which returns subscriptionCols and then a
// count (of notifications sent, ignored), and converts its one row.
func (s *Store) querySubscription(ctx context.Context, op, sql string, args ...any) (*ledgerv1.Subscription, error) {
	var r store.SubscriptionRow
	var notified int64
	if err := s.pool.QueryRow(ctx, sql, args...).Scan(append(subscriptionDest(&r), &notified)...); err != nil {
		return nil, mapErr(op, err)
	}
	return r.Subscription()
}

const createSubscriptionSQL = `
INSERT INTO subscriptions (` + settingsCols + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
RETURNING ` + subscriptionCols + `, 0`

// CreateSubscription stores a new subscription; the primary key turns a
// taken name into ErrConflict.
func (s *Store) CreateSubscription(ctx context.Context, req *ledgerv1.CreateSubscriptionRequest) (*ledgerv1.CreateSubscriptionResponse, error) {
	r, err := store.PrepareSubscription("create subscription", req.GetSubscription())
	if err != nil {
		return nil, err
	}
	op := fmt.Sprintf("create subscription %q", r.Name)
	var sub *ledgerv1.Subscription
	if r.StartFrom == nil {
		sub, err = s.querySubscription(ctx, op, createSubscriptionSQL, settingsArgs(r)...)
	} else {
		// With its backfill job, in one transaction: a subscription is
		// never left without the backfill it was created with.
		err = pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
			var row store.SubscriptionRow
			var notified int64
			if err := tx.QueryRow(ctx, createSubscriptionSQL, settingsArgs(r)...).Scan(append(subscriptionDest(&row), &notified)...); err != nil {
				return err
			}
			if err := createBackfill(ctx, tx, r.Name, *r.StartFrom); err != nil {
				return err
			}
			sub, err = row.Subscription()
			return err
		})
		err = mapErr(op, err)
	}
	if err != nil {
		return nil, err
	}
	s.refreshFilters(ctx)
	return &ledgerv1.CreateSubscriptionResponse{Subscription: sub}, nil
}

// updateSubscriptionSQL replaces the settings and, when the subscription is
// active afterwards, notifies: the update may have resumed it.
const updateSubscriptionSQL = `
WITH up AS (
    UPDATE subscriptions SET target = $2, platforms = $3, event_types = $4, retry_policy = $5,
        timeout_ms = $6, max_concurrency = $7, paused = $8, filter = $9, rate_per_second = $10,
        rate_burst = $11, ordering_key = $12, start_from = $13, payload = $14, secrets = $15, updated_at = now()
    WHERE name = $1
    RETURNING ` + subscriptionCols + `
), nt AS (` + notifySQL + ` FROM (SELECT name AS subscription FROM up WHERE NOT paused) a HAVING count(*) > 0
)
SELECT ` + subscriptionCols + `, (SELECT count(*) FROM nt) FROM up`

// UpdateSubscription replaces a subscription's settings.
func (s *Store) UpdateSubscription(ctx context.Context, req *ledgerv1.UpdateSubscriptionRequest) (*ledgerv1.UpdateSubscriptionResponse, error) {
	r, err := store.PrepareSubscription("update subscription", req.GetSubscription())
	if err != nil {
		return nil, err
	}
	sub, err := s.querySubscription(ctx, fmt.Sprintf("update subscription %q", r.Name), updateSubscriptionSQL, settingsArgs(r)...)
	if err != nil {
		return nil, err
	}
	s.refreshFilters(ctx)
	return &ledgerv1.UpdateSubscriptionResponse{Subscription: sub}, nil
}

// upsertSubscriptionSQL creates or replaces settings in one statement, so
// replicas seeding the same file together cannot fail on each other's
// insert. paused is OR-ed: the file can pause, never resume, what an
// operator paused. A row whose settings are already those of the file is
// not written, so updated_at keeps meaning "last changed"; the final SELECT
// then returns the stored row. As in Record, a row committed by a
// concurrent upsert after this statement's snapshot makes the statement
// return nothing, and it is run again.
const upsertSubscriptionSQL = `
WITH up AS (
    INSERT INTO subscriptions AS s (` + settingsCols + `)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    ON CONFLICT (name) DO UPDATE SET target = EXCLUDED.target, platforms = EXCLUDED.platforms,
        event_types = EXCLUDED.event_types, retry_policy = EXCLUDED.retry_policy,
        timeout_ms = EXCLUDED.timeout_ms, max_concurrency = EXCLUDED.max_concurrency,
        paused = s.paused OR EXCLUDED.paused, filter = EXCLUDED.filter,
        rate_per_second = EXCLUDED.rate_per_second, rate_burst = EXCLUDED.rate_burst,
        ordering_key = EXCLUDED.ordering_key, start_from = EXCLUDED.start_from, payload = EXCLUDED.payload,
        secrets = EXCLUDED.secrets, updated_at = now()
    WHERE (s.target, s.platforms, s.event_types, s.retry_policy, s.timeout_ms, s.max_concurrency, s.paused,
           s.filter, s.rate_per_second, s.rate_burst, s.ordering_key, s.start_from, s.payload, s.secrets)
        IS DISTINCT FROM
          (EXCLUDED.target, EXCLUDED.platforms, EXCLUDED.event_types, EXCLUDED.retry_policy,
           EXCLUDED.timeout_ms, EXCLUDED.max_concurrency, s.paused OR EXCLUDED.paused,
           EXCLUDED.filter, EXCLUDED.rate_per_second, EXCLUDED.rate_burst, EXCLUDED.ordering_key,
           EXCLUDED.start_from, EXCLUDED.payload, EXCLUDED.secrets)
    RETURNING ` + subscriptionCols + `
)
SELECT ` + subscriptionCols + `, 0 FROM up
UNION ALL
SELECT ` + subscriptionCols + `, 0 FROM subscriptions WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM up)`

// UpsertSubscription creates sub or replaces its settings, keeping a
// stored paused flag unless sub sets paused.
func (s *Store) UpsertSubscription(ctx context.Context, sub *ledgerv1.Subscription) (*ledgerv1.Subscription, error) {
	r, err := store.PrepareSubscription("upsert subscription", sub)
	if err != nil {
		return nil, err
	}
	op := fmt.Sprintf("upsert subscription %q", r.Name)
	if len(r.Secrets) > 0 {
		var stored []store.SecretRow
		err := s.pool.QueryRow(ctx, `SELECT secrets FROM subscriptions WHERE name = $1`, r.Name).Scan(&stored)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, mapErr(op, err)
		}
		store.KeepSecretTimes(&r, stored)
	}
	for range recordAttempts {
		got, err := s.querySubscription(ctx, op, upsertSubscriptionSQL, settingsArgs(r)...)
		if errors.Is(err, apperr.ErrNotFound) {
			continue
		}
		return got, err
	}
	return nil, fmt.Errorf("%s: stored row not visible after %d attempts", op, recordAttempts)
}

// GetSubscription returns one subscription.
func (s *Store) GetSubscription(ctx context.Context, req *ledgerv1.GetSubscriptionRequest) (*ledgerv1.GetSubscriptionResponse, error) {
	name, err := store.PrepareName("get subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.querySubscription(ctx, fmt.Sprintf("get subscription %q", name),
		`SELECT `+subscriptionCols+`, 0 FROM subscriptions WHERE name = $1`, name)
	if err != nil {
		return nil, err
	}
	return &ledgerv1.GetSubscriptionResponse{Subscription: sub}, nil
}

// ListSubscriptions returns every subscription, by name. There are few (they
// are configuration), so there is no paging.
func (s *Store) ListSubscriptions(ctx context.Context, _ *ledgerv1.ListSubscriptionsRequest) (*ledgerv1.ListSubscriptionsResponse, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+subscriptionCols+` FROM subscriptions ORDER BY name`)
	if err != nil {
		return nil, mapErr("list subscriptions", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SubscriptionRow, error) {
		var r store.SubscriptionRow
		return r, row.Scan(subscriptionDest(&r)...)
	})
	if err != nil {
		return nil, mapErr("list subscriptions", err)
	}
	resp := &ledgerv1.ListSubscriptionsResponse{Subscriptions: make([]*ledgerv1.Subscription, 0, len(list))}
	for _, r := range list {
		sub, err := r.Subscription()
		if err != nil {
			return nil, err
		}
		resp.Subscriptions = append(resp.Subscriptions, sub)
	}
	return resp, nil
}

// setPausedSQL pauses ($2 true) or resumes ($2 false); updated_at moves only
// when the flag does. Resuming notifies, since the subscription's waiting
// deliveries are due at once.
const setPausedSQL = `
WITH up AS (
    UPDATE subscriptions SET paused = $2,
        updated_at = CASE WHEN paused = $2 THEN updated_at ELSE now() END
    WHERE name = $1
    RETURNING ` + subscriptionCols + `
), nt AS (` + notifySQL + ` FROM (SELECT name AS subscription FROM up WHERE NOT paused) a HAVING count(*) > 0
)
SELECT ` + subscriptionCols + `, (SELECT count(*) FROM nt) FROM up`

// PauseSubscription stops claims for a subscription.
func (s *Store) PauseSubscription(ctx context.Context, req *ledgerv1.PauseSubscriptionRequest) (*ledgerv1.PauseSubscriptionResponse, error) {
	name, err := store.PrepareName("pause subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.querySubscription(ctx, fmt.Sprintf("pause subscription %q", name), setPausedSQL, name, true)
	if err != nil {
		return nil, err
	}
	return &ledgerv1.PauseSubscriptionResponse{Subscription: sub}, nil
}

// ResumeSubscription makes a paused subscription's deliveries claimable.
func (s *Store) ResumeSubscription(ctx context.Context, req *ledgerv1.ResumeSubscriptionRequest) (*ledgerv1.ResumeSubscriptionResponse, error) {
	name, err := store.PrepareName("resume subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.querySubscription(ctx, fmt.Sprintf("resume subscription %q", name), setPausedSQL, name, false)
	if err != nil {
		return nil, err
	}
	return &ledgerv1.ResumeSubscriptionResponse{Subscription: sub}, nil
}

// cancelDeliveriesSQL cancels a subscription's pending deliveries, with a
// history row each, and drops their leases; every delivery and its history
// are kept. The UPDATE locks each pending row, so an outcome being
// reported (which holds its delivery's row) either commits first, and the
// delivery is no longer pending, or waits and then finds its lease gone.
// It reads deliveries without an index on subscription alone: deleting a
// subscription is rare, and such an index would cost every Record.
const cancelDeliveriesSQL = `
WITH d AS (
    UPDATE deliveries SET state = 4, last_error = '` + store.CancelledReason + `', updated_at = now()
    WHERE subscription = $1 AND state = 1
    RETURNING delivery_id
), a AS (
    INSERT INTO delivery_attempts (delivery_id, attempt, code, error)
    SELECT delivery_id, 0, '` + store.CancelledCode + `', '` + store.CancelledReason + `' FROM d
), l AS (
    DELETE FROM delivery_leases WHERE subscription = $1
)
SELECT count(*) FROM d`

// DeleteSubscription removes a subscription, cancelling its pending
// deliveries and keeping every delivery with its history. The
// subscription's row is locked first (FOR UPDATE), so a concurrent Record,
// which locks the subscriptions it delivers to FOR KEY SHARE, either
// committed its deliveries before (and they are cancelled here) or waits
// and then finds the subscription gone and makes it no delivery.
func (s *Store) DeleteSubscription(ctx context.Context, req *ledgerv1.DeleteSubscriptionRequest) (*ledgerv1.DeleteSubscriptionResponse, error) {
	name, err := store.PrepareName("delete subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	var n int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var locked string
		if err := tx.QueryRow(ctx, `SELECT name FROM subscriptions WHERE name = $1 FOR UPDATE`, name).Scan(&locked); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, cancelDeliveriesSQL, name).Scan(&n); err != nil {
			return err
		}
		// Its rate's bucket goes too: a subscription created again under
		// the name starts with a full bucket, as every new one does.
		_, err := tx.Exec(ctx, `WITH b AS (DELETE FROM rate_buckets WHERE subscription = $1)
DELETE FROM subscriptions WHERE name = $1`, name)
		return err
	})
	if err != nil {
		return nil, mapErr(fmt.Sprintf("delete subscription %q", name), err)
	}
	s.refreshFilters(ctx)
	return &ledgerv1.DeleteSubscriptionResponse{Cancelled: n}, nil
}
