package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// claimNormalizationsSQL leases due events along events_renormalize_at_idx,
// oldest due first, skipping rows other claims or outcomes hold. As for
// deliveries, the lease is a deferral: renormalize_at becomes its expiry.
// $1 limit, $2 lease in microseconds.
var claimNormalizationsSQL = `
WITH due AS (
    SELECT id FROM events
    WHERE renormalize_at IS NOT NULL AND renormalize_at <= statement_timestamp()
    ORDER BY renormalize_at, id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE events e SET
    renormalize_token = gen_random_uuid(),
    renormalize_at = statement_timestamp() + $2::bigint * interval '1 microsecond'
FROM due
WHERE e.id = due.id
RETURNING e.renormalize_token::text, e.renormalize_at, e.renormalize_attempts,
    e.receipt_id::text, e.platform, e.source, e.event_id,
    coalesce((SELECT r.headers FROM receipts r WHERE r.receipt_id = e.receipt_id AND r.part_id = ` + partKeySQL("e.id") + `), '{}'),
    coalesce((SELECT r.body FROM receipts r WHERE r.receipt_id = e.receipt_id AND r.part_id = ` + partKeySQL("e.id") + `), ''::bytea),
    coalesce((SELECT r.remote_addr FROM receipts r WHERE r.receipt_id = e.receipt_id AND r.part_id = ` + partKeySQL("e.id") + `), ''),
    e.received_at`

// claimNormalizationsSettingsSQL sets, for the claim that follows in the
// same transaction, the delivery claim's settings (indexedGenericPlanCalls):
// the generic plan and no sequential or bitmap scans. Why the generic
// plan: left to choose, PostgreSQL kept a custom plan and planned the
// statement again on every call (make bench, pg_stat_statements: 45 plans
// for 41 calls), over every day partition of events and receipts: 3.6 ms
// a plan with 5 partitions, 10.5 ms with 30, once a second per dispatcher,
// to find nothing due. Why index scans only: the generic plan is kept for
// the connection's life, and one made over empty, never analyzed
// partitions may scan them whole
// (TestClaimNormalizationsPlanIsGenericAndIndexed).
const claimNormalizationsSettingsSQL = `SELECT ` + indexedGenericPlanCalls

// ClaimNormalizations leases events due for re-normalization.
func (s *Store) ClaimNormalizations(ctx context.Context, req *ledgerv1.ClaimNormalizationsRequest) (*ledgerv1.ClaimNormalizationsResponse, error) {
	q, err := store.PrepareClaimNormalizations(req)
	if err != nil {
		return nil, err
	}
	// The settings and the claim go as one batch: one round trip, one
	// implicit transaction, to which the settings are local.
	var leases []store.NormalizationLeaseRow
	b := &pgx.Batch{}
	b.Queue(claimNormalizationsSettingsSQL)
	b.Queue(claimNormalizationsSQL, q.Limit, q.LeaseDuration.Microseconds()).Query(func(rows pgx.Rows) (err error) {
		leases, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.NormalizationLeaseRow, error) {
			var l store.NormalizationLeaseRow
			rc := &l.Receipt
			err := row.Scan(&l.LeaseToken, &l.ExpiresAt, &l.Attempts,
				&rc.ReceiptID, &rc.Platform, &rc.Source, &rc.EventID, &rc.Headers, &rc.Body, &rc.RemoteAddr, &rc.ReceivedAt)
			return l, err
		})
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapErr("claim normalizations", err)
	}
	return store.ClaimNormalizationsResult(leases), nil
}

// normalizedSQL stores a re-normalized event as recordSQL would have (the
// same columns, the same delivery rule, filters and ordering keys
// included: verdicts in $17..$22, refused as stale as in recordSQL), only while the lease token
// holds the still unnormalized event, and returns the subscriptions that
// got a pending delivery, which are notified after the commit.
// $1 platform, $2 source, $3 event id, $4 token, $5.. the event columns.
var normalizedSQL = `
WITH ` + verdictsSQL(17) + `, ev AS (
    UPDATE events SET event_type = $5, source_event_type = $6, occurred_at = $7, entity_type = $8,
        entity_id = $9, user_id = $10, tenant_id = $11, amount_minor = $12, currency = $13,
        metadata = $14, schema_version = $15, normalized = $16, normalization_error = '',
        renormalize_at = NULL, renormalize_token = NULL, renormalize_attempts = renormalize_attempts + 1
    WHERE id = ` + keyIDSQL + ` AND renormalize_token = $4 AND event_type = 0
      AND NOT EXISTS (SELECT 1 FROM stale)
    RETURNING id
), dl AS (
    INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id, next_attempt_at,
        state, last_error, dead_at, ordering_key)
    SELECT ` + uuidV7SQL + `, s.name, ev.id, $1, $2, $3, now(),
        CASE WHEN fv.error <> '' THEN 3 ELSE 1 END, coalesce(fv.error, ''), CASE WHEN fv.error <> '' THEN now() END,
        ` + deliveryKeySQL + `
    FROM ev CROSS JOIN subscriptions s ` + verdictJoinSQL + `
    WHERE (cardinality(s.platforms) = 0 OR $1 = ANY (s.platforms))
      AND (cardinality(s.event_types) = 0 OR $5::integer = ANY (s.event_types))
      AND ` + deliveryKeepSQL + `
    FOR KEY SHARE OF s -- as in recordSQL: ordered against DeleteSubscription
    ON CONFLICT (event_row_id, subscription, generation) DO NOTHING
    RETURNING delivery_id, subscription, state, last_error
), fa AS (` + filterFailuresSQL + `)
SELECT EXISTS (SELECT 1 FROM ev),
    EXISTS (SELECT 1 FROM events WHERE id = ` + keyIDSQL + `),
    (SELECT coalesce(array_agg(DISTINCT subscription) FILTER (WHERE state = 1), '{}') FROM dl),
    (SELECT count(*) FROM dl WHERE state = 1), EXISTS (SELECT 1 FROM stale)`

// receiptSQL reads what filters read of an event's receipt.
var receiptSQL = `
SELECT coalesce(r.headers, '{}'), coalesce(r.body, ''::bytea) FROM events e ` + receiptJoinSQL + `
WHERE e.id = ` + keyIDSQL + ``

// keyIDSQL is the id of the event of key ($1 platform, $2 source, $3 event
// id), found through its dedup key.
const keyIDSQL = `(SELECT event_row_id FROM dedup_keys WHERE platform = $1 AND event_id = $3 AND source = $2)`

// normalizeFailedSQL stores a failed re-normalization: due again after
// the backoff ($6 true; base and cap in microseconds) or unscheduled.
// $1 platform, $2 source, $3 event id, $4 token, $5 error.
var normalizeFailedSQL = `
WITH ev AS (
    UPDATE events SET normalization_error = $5, renormalize_token = NULL,
        renormalize_attempts = renormalize_attempts + 1,
        renormalize_at = CASE WHEN $6::boolean THEN statement_timestamp() + least(
            $7::bigint * power(2, least(renormalize_attempts, 30))::bigint, $8::bigint) * interval '1 microsecond' END
    WHERE id = ` + keyIDSQL + ` AND renormalize_token = $4 AND event_type = 0
    RETURNING renormalize_at
)
SELECT EXISTS (SELECT 1 FROM ev), (SELECT renormalize_at FROM ev),
    EXISTS (SELECT 1 FROM events WHERE id = ` + keyIDSQL + `)`

// CompleteNormalization applies a re-normalization's outcome.
func (s *Store) CompleteNormalization(ctx context.Context, req *ledgerv1.CompleteNormalizationRequest) (*ledgerv1.CompleteNormalizationResponse, error) {
	o, err := store.PrepareCompleteNormalization(req)
	if err != nil {
		return nil, err
	}
	r := o.Record
	op := fmt.Sprintf("complete normalization %s/%s", r.Platform, r.EventID)
	var updated, exists bool
	if o.Normalized() {
		var subs []string
		var n int64
		// Filters read the receipt as Record's do (an absent event is
		// refused below, as before).
		err := s.pool.QueryRow(ctx, receiptSQL, r.Platform, r.Source, r.EventID).Scan(&r.Headers, &r.Body)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, mapErr(op, err)
		}
		for attempt := 0; ; attempt++ {
			v := store.EvaluateFilters(s.filters.Get(), r, s.filterObs)
			var stale bool
			err = s.pool.QueryRow(ctx, normalizedSQL, r.Platform, r.Source, r.EventID, o.LeaseToken,
				r.EventType, r.SourceEventType, r.OccurredAt, r.EntityType, r.EntityID, r.UserID, r.TenantID,
				r.AmountMinor, r.Currency, jsonObject(r.Metadata), r.SchemaVersion, r.Normalized,
				v.Names, v.Filters, v.OrderingKeys, v.Matched, v.Errors, v.Keys).Scan(&updated, &exists, &subs, &n, &stale)
			if err != nil {
				return nil, mapErr(op, err)
			}
			if !stale {
				break
			}
			if attempt == recordAttempts {
				return nil, fmt.Errorf("%s: subscription filters changing: %w", op, apperr.ErrUnavailable)
			}
			if err := s.loadFilters(ctx); err != nil {
				return nil, mapErr(op+": load subscription filters", err)
			}
		}
		if !updated {
			return nil, store.NormalizationOutcomeError(o, exists)
		}
		if len(subs) > 0 {
			s.notify.signal(subs)
		}
		return &ledgerv1.CompleteNormalizationResponse{Normalized: true, Deliveries: int32(n)}, nil
	}
	var next *time.Time
	err = s.pool.QueryRow(ctx, normalizeFailedSQL, r.Platform, r.Source, r.EventID, o.LeaseToken, o.Error,
		o.Retryable, store.RenormalizeBaseDelay.Microseconds(), store.RenormalizeMaxDelay.Microseconds(),
	).Scan(&updated, &next, &exists)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if !updated {
		return nil, store.NormalizationOutcomeError(o, exists)
	}
	resp := &ledgerv1.CompleteNormalizationResponse{}
	if next != nil {
		resp.NextAttemptAt = timestamppb.New(*next)
	}
	return resp, nil
}

// RenormalizeEvents schedules unnormalized, unscheduled events, oldest
// first, along events_event_type_id_idx (event_type 0).
func (s *Store) RenormalizeEvents(ctx context.Context, req *ledgerv1.RenormalizeEventsRequest) (*ledgerv1.RenormalizeEventsResponse, error) {
	q, err := store.PrepareRenormalize(req)
	if err != nil {
		return nil, err
	}
	const sql = `
WITH picked AS (
    SELECT id FROM events
    WHERE event_type = 0 AND renormalize_at IS NULL AND ($1 = '' OR platform = $1)
    ORDER BY id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), up AS (
    UPDATE events e SET renormalize_at = now(), renormalize_attempts = 0, renormalize_token = NULL
    FROM picked WHERE e.id = picked.id
    RETURNING 1
)
SELECT count(*) FROM up`
	var n int64
	if q.EventID != "" {
		// One event, through the dedup key's index.
		const one = `
WITH up AS (
    UPDATE events SET renormalize_at = now(), renormalize_attempts = 0, renormalize_token = NULL
    WHERE platform = $1 AND event_id = $2 AND ($3 = '' OR source = $3)
        AND event_type = 0 AND renormalize_at IS NULL
    RETURNING 1
)
SELECT count(*) FROM up`
		if err := s.pool.QueryRow(ctx, one, q.Platform, q.EventID, q.Source).Scan(&n); err != nil {
			return nil, mapErr("renormalize event", err)
		}
		return &ledgerv1.RenormalizeEventsResponse{Scheduled: int32(n)}, nil
	}
	if err := s.pool.QueryRow(ctx, sql, q.Platform, q.Limit).Scan(&n); err != nil {
		return nil, mapErr("renormalize events", err)
	}
	return &ledgerv1.RenormalizeEventsResponse{Scheduled: int32(n)}, nil
}
