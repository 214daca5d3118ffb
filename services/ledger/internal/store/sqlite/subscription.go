package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// settings are a subscription's stored settings, arrays as JSON text.
type settings struct {
	row                            store.SubscriptionRow
	platforms, eventTypes, secrets string
}

func encodeSettings(r store.SubscriptionRow) (settings, error) {
	st := settings{row: r}
	for _, c := range []struct {
		dst *string
		v   any
	}{{&st.platforms, r.Platforms}, {&st.eventTypes, r.EventTypes}, {&st.secrets, r.Secrets}} {
		text, err := jsonText(c.v)
		if err != nil {
			return settings{}, err
		}
		*c.dst = text
	}
	return st, nil
}

// args are the parameters $1..$8 of the statements below, $9 now, then
// $10..$16.
func (st settings) args(now int64) []any {
	r := st.row
	return []any{r.Name, r.Target, st.platforms, st.eventTypes, r.RetryPolicy, r.TimeoutMS, r.MaxConcurrency, r.Paused, now,
		r.Filter, r.RatePerSecond, r.RateBurst, r.OrderingKey, unixMicros(r.StartFrom), r.Payload, st.secrets}
}

var createSubscriptionSQL = `
INSERT INTO subscriptions (name, target, platforms, event_types, retry_policy, timeout_ms, max_concurrency, paused,
    created_at, updated_at, filter, rate_per_second, rate_burst, ordering_key, start_from, payload, secrets)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $15, $16)
RETURNING ` + subscriptionColumns("")

var updateSubscriptionSQL = `
UPDATE subscriptions SET target = $2, platforms = $3, event_types = $4, retry_policy = $5,
    timeout_ms = $6, max_concurrency = $7, paused = $8, updated_at = $9, filter = $10, rate_per_second = $11,
    rate_burst = $12, ordering_key = $13, start_from = $14, payload = $15, secrets = $16
WHERE name = $1
RETURNING ` + subscriptionColumns("")

// writeSubscription runs one statement returning subscriptionColumns in a
// write transaction; when wakeIfActive and the row is active afterwards,
// listeners are woken for it. No row is ErrNotFound; a taken name
// ErrConflict.
func (s *Store) writeSubscription(ctx context.Context, op string, wakeIfActive bool, query string, args func(now int64) []any) (*ledgerv1.Subscription, error) {
	var r store.SubscriptionRow
	err := s.write(ctx, op, func(tx *sql.Tx, now int64) ([]string, error) {
		if err := tx.QueryRowContext(ctx, query, args(now)...).Scan(subscriptionDest(&r)...); err != nil {
			return nil, err
		}
		if wakeIfActive && !r.Paused {
			return []string{r.Name}, nil
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return r.Subscription()
}

// CreateSubscription stores a new subscription; the primary key turns a
// taken name into ErrConflict.
func (s *Store) CreateSubscription(ctx context.Context, req *ledgerv1.CreateSubscriptionRequest) (*ledgerv1.CreateSubscriptionResponse, error) {
	r, err := store.PrepareSubscription("create subscription", req.GetSubscription())
	if err != nil {
		return nil, err
	}
	st, err := encodeSettings(r)
	if err != nil {
		return nil, err
	}
	// With its backfill job (start_from), in the same transaction.
	var row store.SubscriptionRow
	err = s.write(ctx, fmt.Sprintf("create subscription %q", r.Name), func(tx *sql.Tx, now int64) ([]string, error) {
		if err := tx.QueryRowContext(ctx, createSubscriptionSQL, st.args(now)...).Scan(subscriptionDest(&row)...); err != nil {
			return nil, err
		}
		if r.StartFrom != nil {
			return nil, createBackfill(ctx, tx, r.Name, *r.StartFrom, now)
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	sub, err := row.Subscription()
	if err != nil {
		return nil, err
	}
	return &ledgerv1.CreateSubscriptionResponse{Subscription: sub}, nil
}

// UpdateSubscription replaces a subscription's settings and, when it is
// active afterwards, wakes the listeners: the update may have resumed it.
func (s *Store) UpdateSubscription(ctx context.Context, req *ledgerv1.UpdateSubscriptionRequest) (*ledgerv1.UpdateSubscriptionResponse, error) {
	r, err := store.PrepareSubscription("update subscription", req.GetSubscription())
	if err != nil {
		return nil, err
	}
	st, err := encodeSettings(r)
	if err != nil {
		return nil, err
	}
	sub, err := s.writeSubscription(ctx, fmt.Sprintf("update subscription %q", r.Name), true, updateSubscriptionSQL, st.args)
	if err != nil {
		return nil, err
	}
	return &ledgerv1.UpdateSubscriptionResponse{Subscription: sub}, nil
}

var getSubscriptionSQL = `SELECT ` + subscriptionColumns("") + ` FROM subscriptions WHERE name = $1`

// UpsertSubscription creates sub or replaces its settings, keeping a
// stored paused flag unless sub sets paused (the file can pause, never
// resume). Writes are serialized, so reading the row and deciding in Go is
// race-free; a row whose settings already match is not written, so
// updated_at keeps meaning "last changed". Like PostgreSQL's upsert it
// wakes no listener.
func (s *Store) UpsertSubscription(ctx context.Context, sub *ledgerv1.Subscription) (*ledgerv1.Subscription, error) {
	r, err := store.PrepareSubscription("upsert subscription", sub)
	if err != nil {
		return nil, err
	}
	var out store.SubscriptionRow
	err = s.write(ctx, fmt.Sprintf("upsert subscription %q", r.Name), func(tx *sql.Tx, now int64) ([]string, error) {
		var cur store.SubscriptionRow
		err := tx.QueryRowContext(ctx, getSubscriptionSQL, r.Name).Scan(subscriptionDest(&cur)...)
		query := createSubscriptionSQL
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, err
		default:
			r.Paused = r.Paused || cur.Paused
			store.KeepSecretTimes(&r, cur.Secrets)
			if sameSettings(cur, r) {
				out = cur
				return nil, nil
			}
			query = updateSubscriptionSQL
		}
		st, err := encodeSettings(r)
		if err != nil {
			return nil, err
		}
		return nil, tx.QueryRowContext(ctx, query, st.args(now)...).Scan(subscriptionDest(&out)...)
	})
	if err != nil {
		return nil, err
	}
	return out.Subscription()
}

// sameSettings compares everything UpdateSubscription replaces.
func sameSettings(a, b store.SubscriptionRow) bool {
	return a.Target == b.Target && slices.Equal(a.Platforms, b.Platforms) && slices.Equal(a.EventTypes, b.EventTypes) &&
		(a.RetryPolicy == nil) == (b.RetryPolicy == nil) && bytes.Equal(a.RetryPolicy, b.RetryPolicy) &&
		a.TimeoutMS == b.TimeoutMS && a.MaxConcurrency == b.MaxConcurrency && a.Paused == b.Paused &&
		a.Filter == b.Filter && a.RatePerSecond == b.RatePerSecond && a.RateBurst == b.RateBurst &&
		a.OrderingKey == b.OrderingKey && equalTime(a.StartFrom, b.StartFrom) && a.Payload == b.Payload &&
		slices.EqualFunc(a.Secrets, b.Secrets, func(x, y store.SecretRow) bool {
			return x.Secret == y.Secret && x.CreatedAt.Equal(y.CreatedAt) && equalTime(x.ExpiresAt, y.ExpiresAt)
		})
}

// equalTime compares optional times.
func equalTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// GetSubscription returns one subscription.
func (s *Store) GetSubscription(ctx context.Context, req *ledgerv1.GetSubscriptionRequest) (*ledgerv1.GetSubscriptionResponse, error) {
	name, err := store.PrepareName("get subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	op := fmt.Sprintf("get subscription %q", name)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var r store.SubscriptionRow
	if err := s.reader.QueryRowContext(ctx, getSubscriptionSQL, name).Scan(subscriptionDest(&r)...); err != nil {
		return nil, mapErr(ctx, op, err)
	}
	sub, err := r.Subscription()
	if err != nil {
		return nil, err
	}
	return &ledgerv1.GetSubscriptionResponse{Subscription: sub}, nil
}

// ListSubscriptions returns every subscription, by name. There are few (they
// are configuration), so there is no paging.
func (s *Store) ListSubscriptions(ctx context.Context, _ *ledgerv1.ListSubscriptionsRequest) (*ledgerv1.ListSubscriptionsResponse, error) {
	const op = "list subscriptions"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT `+subscriptionColumns("")+` FROM subscriptions ORDER BY name`)
	if err != nil {
		return nil, mapErr(ctx, op, err)
	}
	defer rows.Close()
	resp := &ledgerv1.ListSubscriptionsResponse{Subscriptions: []*ledgerv1.Subscription{}}
	for rows.Next() {
		var r store.SubscriptionRow
		if err := rows.Scan(subscriptionDest(&r)...); err != nil {
			return nil, mapErr(ctx, op, err)
		}
		sub, err := r.Subscription()
		if err != nil {
			return nil, err
		}
		resp.Subscriptions = append(resp.Subscriptions, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(ctx, op, err)
	}
	return resp, nil
}

// setPausedSQL pauses ($2 true) or resumes ($2 false); updated_at moves only
// when the flag does. $3 now.
var setPausedSQL = `
UPDATE subscriptions SET paused = $2,
    updated_at = CASE WHEN paused = $2 THEN updated_at ELSE $3 END
WHERE name = $1
RETURNING ` + subscriptionColumns("")

// PauseSubscription stops claims for a subscription.
func (s *Store) PauseSubscription(ctx context.Context, req *ledgerv1.PauseSubscriptionRequest) (*ledgerv1.PauseSubscriptionResponse, error) {
	name, err := store.PrepareName("pause subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.writeSubscription(ctx, fmt.Sprintf("pause subscription %q", name), false, setPausedSQL,
		func(now int64) []any { return []any{name, true, now} })
	if err != nil {
		return nil, err
	}
	return &ledgerv1.PauseSubscriptionResponse{Subscription: sub}, nil
}

// ResumeSubscription makes a paused subscription's deliveries claimable and
// wakes the listeners, since its waiting deliveries are due at once.
func (s *Store) ResumeSubscription(ctx context.Context, req *ledgerv1.ResumeSubscriptionRequest) (*ledgerv1.ResumeSubscriptionResponse, error) {
	name, err := store.PrepareName("resume subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	sub, err := s.writeSubscription(ctx, fmt.Sprintf("resume subscription %q", name), true, setPausedSQL,
		func(now int64) []any { return []any{name, false, now} })
	if err != nil {
		return nil, err
	}
	return &ledgerv1.ResumeSubscriptionResponse{Subscription: sub}, nil
}

// DeleteSubscription removes a subscription, cancelling its pending
// deliveries (with a history row each) and keeping every delivery with its
// history. Writes are serialized, so no Record or outcome can slip in
// between the statements; a dispatcher's outcome for a cancelled delivery
// finds it no longer pending and is refused.
func (s *Store) DeleteSubscription(ctx context.Context, req *ledgerv1.DeleteSubscriptionRequest) (*ledgerv1.DeleteSubscriptionResponse, error) {
	name, err := store.PrepareName("delete subscription", req.GetName())
	if err != nil {
		return nil, err
	}
	var n int64
	err = s.write(ctx, fmt.Sprintf("delete subscription %q", name), func(tx *sql.Tx, now int64) ([]string, error) {
		var found string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM subscriptions WHERE name = $1`, name).Scan(&found); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, attempt, at, code, error)
SELECT delivery_id, 0, $2, '`+store.CancelledCode+`', '`+store.CancelledReason+`'
FROM deliveries WHERE subscription = $1 AND state = 1`, name, now); err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 4, last_error = '`+store.CancelledReason+`',
    updated_at = $2, lease_token = NULL WHERE subscription = $1 AND state = 1`, name, now)
		if err != nil {
			return nil, err
		}
		if n, err = res.RowsAffected(); err != nil {
			return nil, err
		}
		// Its rate's bucket goes too, as in PostgreSQL.
		if _, err := tx.ExecContext(ctx, `DELETE FROM rate_buckets WHERE subscription = $1`, name); err != nil {
			return nil, err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM subscriptions WHERE name = $1`, name)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.DeleteSubscriptionResponse{Cancelled: n}, nil
}
