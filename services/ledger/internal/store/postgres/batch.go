package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// recordReceiptSQL inserts the receipt of a batch once one of its events
// was new.
// Its part_id is its day's, as the events' ids (eventIDSQL).
const recordReceiptSQL = `INSERT INTO receipts (receipt_id, platform, source, event_id, headers, body, remote_addr, received_at, part_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, floor(extract(epoch FROM $8::timestamptz) / 86400)::bigint << 36)`

// recordBatch stores the receipt of a batched delivery and those of its
// items' events not recorded before, in one transaction: recordItemSQL per
// item (each as Record's statement would record it alone: skipped when
// recorded before, with its own filters' verdicts and deliveries), then the
// receipt when one was new. A batch is rarer than a single event and not
// worth a statement of arrays: it runs outside the group commit, in its
// own transaction, so single-event Records keep their statement and cost.
// A lost race with a concurrent Record of an item, or a stale filter
// cache, rolls the whole transaction back and runs it again, as Record
// does.
func (s *Store) recordBatch(ctx context.Context, r store.Record, items []store.Record) (*ledgerv1.RecordResponse, error) {
	op := fmt.Sprintf("record %s/%s (%d events)", r.Platform, r.EventID, len(items))
	for range recordAttempts {
		resp, delivered, inserted, retry, err := s.recordBatchOnce(ctx, r, items)
		if err != nil {
			return nil, mapErr(op, err)
		}
		if retry {
			continue
		}
		if inserted {
			s.eventRecorded()
		}
		if len(delivered) > 0 {
			s.notify.signal(delivered)
		}
		return resp, nil
	}
	return nil, fmt.Errorf("%s: stored event not visible, or subscription filters changing, after %d attempts: %w",
		op, recordAttempts, apperr.ErrUnavailable)
}

// recordBatchOnce is one attempt of recordBatch; retry says it was rolled
// back and must run again.
func (s *Store) recordBatchOnce(ctx context.Context, r store.Record, items []store.Record) (
	resp *ledgerv1.RecordResponse, delivered []string, inserted, retry bool, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, nil, false, false, err
	}
	defer func() { _ = tx.Rollback(ctx) }() // a no-op after Commit
	stored := make([]string, len(items))
	existed := make([]bool, len(items))
	for i, it := range items {
		v := store.EvaluateFilters(s.filters.Get(), it, s.filterObs)
		var subs []string
		var stale bool
		err := tx.QueryRow(ctx, recordItemSQL,
			it.Platform, it.Source, it.EventID, it.ReceiptID, it.EventType, it.SourceEventType,
			it.OccurredAt, it.ReceivedAt, it.EntityType, it.EntityID, it.UserID, it.TenantID,
			it.AmountMinor, it.Currency, jsonObject(it.Metadata), it.SchemaVersion, it.Normalized, it.NormalizationError,
			jsonObject(it.Headers), it.Body, it.RemoteAddr, it.Renormalize,
			v.Names, v.Filters, v.OrderingKeys, v.Matched, v.Errors, v.Keys,
		).Scan(&stored[i], &existed[i], &subs, &stale)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil, false, true, nil // lost a race with a concurrent Record of the item
		}
		if err != nil {
			return nil, nil, false, false, fmt.Errorf("event %s: %w", it.EventID, err)
		}
		if stale {
			_ = tx.Rollback(ctx)
			if err := s.loadFilters(ctx); err != nil {
				return nil, nil, false, false, fmt.Errorf("load subscription filters: %w", err)
			}
			return nil, nil, false, true, nil
		}
		inserted = inserted || !existed[i]
		for _, sub := range subs {
			if !slices.Contains(delivered, sub) {
				delivered = append(delivered, sub)
			}
		}
	}
	if inserted {
		if _, err := tx.Exec(ctx, recordReceiptSQL, r.ReceiptID, r.Platform, r.Source, r.EventID,
			jsonObject(r.Headers), r.Body, r.RemoteAddr, r.ReceivedAt); err != nil {
			return nil, nil, false, false, fmt.Errorf("receipt: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, nil, false, false, err
	}
	return store.RecordBatchResult(r, stored, existed), delivered, inserted, false, nil
}
