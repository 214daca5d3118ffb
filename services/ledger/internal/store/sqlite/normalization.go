package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// dueNormalizationsSQL takes the oldest due events along
// events_renormalize_at_idx. $1 now, $2 how many.
const dueNormalizationsSQL = `
SELECT id FROM events
WHERE renormalize_at IS NOT NULL AND renormalize_at <= $1
ORDER BY renormalize_at, id
LIMIT $2`

// leaseNormalizationSQL leases one chosen event and reads its receipt.
// $1 token, $2 expiry, $3 id.
const leaseNormalizationSQL = `
UPDATE events SET renormalize_token = $1, renormalize_at = $2 WHERE id = $3
RETURNING renormalize_attempts, receipt_id, platform, source, event_id`

const normalizationReceiptSQL = `SELECT headers, body, remote_addr, received_at FROM receipts WHERE receipt_id = $1`

// ClaimNormalizations leases events due for re-normalization. The claim is
// one write transaction on the single writer, so two callers never get the
// same event: that replaces PostgreSQL's FOR UPDATE SKIP LOCKED.
func (s *Store) ClaimNormalizations(ctx context.Context, req *ledgerv1.ClaimNormalizationsRequest) (*ledgerv1.ClaimNormalizationsResponse, error) {
	q, err := store.PrepareClaimNormalizations(req)
	if err != nil {
		return nil, err
	}
	var leases []store.NormalizationLeaseRow
	err = s.write(ctx, "claim normalizations", func(tx *sql.Tx, now int64) ([]string, error) {
		rows, err := tx.QueryContext(ctx, dueNormalizationsSQL, now, q.Limit)
		if err != nil {
			return nil, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		expiry := now + q.LeaseDuration.Microseconds()
		for _, id := range ids {
			l := store.NormalizationLeaseRow{LeaseToken: uuid.NewString(), ExpiresAt: microsTime(expiry)}
			rc := &l.Receipt
			if err := tx.QueryRowContext(ctx, leaseNormalizationSQL, l.LeaseToken, expiry, id).Scan(
				&l.Attempts, &rc.ReceiptID, &rc.Platform, &rc.Source, &rc.EventID); err != nil {
				return nil, fmt.Errorf("lease event %d: %w", id, err)
			}
			if err := tx.QueryRowContext(ctx, normalizationReceiptSQL, rc.ReceiptID).Scan(
				jsonCol{&rc.Headers}, &rc.Body, &rc.RemoteAddr, micros{&rc.ReceivedAt}); err != nil {
				return nil, fmt.Errorf("receipt of event %d: %w", id, err)
			}
			leases = append(leases, l)
		}
		return nil, nil
	})
	if err != nil {
		return nil, err
	}
	return store.ClaimNormalizationsResult(leases), nil
}

// heldSQL finds the event a lease token holds, still unnormalized.
// $1 platform, $2 event id, $3 source, $4 token.
const heldSQL = `
SELECT id, renormalize_attempts FROM events
WHERE platform = $1 AND event_id = $2 AND source = $3 AND renormalize_token = $4 AND event_type = 0`

// normalizedSQL stores the event's columns as insertEventSQL would have.
// $1 id, $2.. the event columns.
const normalizedSQL = `
UPDATE events SET event_type = $2, source_event_type = $3, occurred_at = $4, entity_type = $5,
    entity_id = $6, user_id = $7, tenant_id = $8, amount_minor = $9, currency = $10,
    metadata = $11, schema_version = $12, normalized = $13, normalization_error = '',
    renormalize_at = NULL, renormalize_token = NULL, renormalize_attempts = renormalize_attempts + 1
WHERE id = $1`

// normalizeFailedSQL stores a failed re-normalization. $1 id, $2 error,
// $3 next renormalize_at or NULL.
const normalizeFailedSQL = `
UPDATE events SET normalization_error = $2, renormalize_at = $3, renormalize_token = NULL,
    renormalize_attempts = renormalize_attempts + 1
WHERE id = $1`

// CompleteNormalization applies a re-normalization's outcome in one write
// transaction: on success the event's columns, its deliveries (Record's
// statement, so Record's filter) and a wake-up after the commit.
func (s *Store) CompleteNormalization(ctx context.Context, req *ledgerv1.CompleteNormalizationRequest) (*ledgerv1.CompleteNormalizationResponse, error) {
	o, err := store.PrepareCompleteNormalization(req)
	if err != nil {
		return nil, err
	}
	r := o.Record
	metadata, err := jsonText(r.Metadata)
	if err != nil {
		return nil, err
	}
	resp := &ledgerv1.CompleteNormalizationResponse{}
	op := fmt.Sprintf("complete normalization %s/%s", r.Platform, r.EventID)
	err = s.write(ctx, op, func(tx *sql.Tx, now int64) ([]string, error) {
		var id int64
		var attempts int32
		err := tx.QueryRowContext(ctx, heldSQL, r.Platform, r.EventID, r.Source, o.LeaseToken).Scan(&id, &attempts)
		if errors.Is(err, sql.ErrNoRows) {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE platform = $1 AND event_id = $2 AND source = $3)`,
				r.Platform, r.EventID, r.Source).Scan(&exists); err != nil {
				return nil, err
			}
			return nil, store.NormalizationOutcomeError(o, exists)
		}
		if err != nil {
			return nil, err
		}
		if !o.Normalized() {
			var next any
			if o.Retryable {
				at := now + store.RenormalizeDelay(attempts+1).Microseconds()
				next, resp.NextAttemptAt = at, timestamppb.New(microsTime(at))
			}
			if _, err := tx.ExecContext(ctx, normalizeFailedSQL, id, o.Error, next); err != nil {
				return nil, fmt.Errorf("store failure: %w", err)
			}
			return nil, nil
		}
		if _, err := tx.ExecContext(ctx, normalizedSQL, id, r.EventType, r.SourceEventType, unixMicros(r.OccurredAt),
			r.EntityType, r.EntityID, r.UserID, r.TenantID, r.AmountMinor, r.Currency, metadata, r.SchemaVersion,
			r.Normalized); err != nil {
			return nil, fmt.Errorf("store event: %w", err)
		}
		// Filters read the receipt as Record's do.
		if err := tx.QueryRowContext(ctx, `SELECT r.headers, r.body FROM events e JOIN receipts r ON r.receipt_id = e.receipt_id
WHERE e.id = $1`, id).Scan(jsonCol{&r.Headers}, &r.Body); err != nil {
			return nil, fmt.Errorf("read receipt: %w", err)
		}
		matched, err := s.applyFilters(ctx, tx, r, id, now)
		if err != nil {
			return nil, err
		}
		subs, n, err := collectNames(tx.StmtContext(ctx, s.stmts.insertDeliveries).QueryContext(ctx,
			id, r.Platform, r.Source, r.EventID, r.EventType, now, matched))
		if err != nil {
			return nil, fmt.Errorf("insert deliveries: %w", err)
		}
		resp.Normalized, resp.Deliveries = true, int32(n)
		return subs, nil
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// bodyKeptSQL is true for an event whose receipt still has its body:
// retention clears bodies (never of an event scheduled for
// re-normalization), and an empty body cannot be normalized, so such an
// event is not scheduled again; it keeps its stored failure.
const bodyKeptSQL = `NOT EXISTS (SELECT 1 FROM receipts r WHERE r.receipt_id = events.receipt_id AND r.body_dropped_at IS NOT NULL)`

// RenormalizeEvents schedules unnormalized, unscheduled events, oldest
// first, along events_event_type_id_idx (event_type 0), except those whose
// body retention cleared.
func (s *Store) RenormalizeEvents(ctx context.Context, req *ledgerv1.RenormalizeEventsRequest) (*ledgerv1.RenormalizeEventsResponse, error) {
	q, err := store.PrepareRenormalize(req)
	if err != nil {
		return nil, err
	}
	var n int64
	err = s.write(ctx, "renormalize events", func(tx *sql.Tx, now int64) ([]string, error) {
		if q.EventID != "" {
			// One event, through the dedup key's index.
			res, err := tx.ExecContext(ctx, `
UPDATE events SET renormalize_at = $1, renormalize_attempts = 0, renormalize_token = NULL
WHERE platform = $2 AND event_id = $3 AND ($4 = '' OR source = $4)
    AND event_type = 0 AND renormalize_at IS NULL AND `+bodyKeptSQL, now, q.Platform, q.EventID, q.Source)
			if err != nil {
				return nil, err
			}
			n, err = res.RowsAffected()
			return nil, err
		}
		res, err := tx.ExecContext(ctx, `
UPDATE events SET renormalize_at = $1, renormalize_attempts = 0, renormalize_token = NULL
WHERE id IN (
    SELECT id FROM events
    WHERE event_type = 0 AND renormalize_at IS NULL AND ($2 = '' OR platform = $2) AND `+bodyKeptSQL+`
    ORDER BY id LIMIT $3)`, now, q.Platform, q.Limit)
		if err != nil {
			return nil, err
		}
		n, err = res.RowsAffected()
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.RenormalizeEventsResponse{Scheduled: int32(n)}, nil
}
