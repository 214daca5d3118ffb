package store

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Re-normalization: an event recorded while the normalizer was unreachable
// (RecordRequest.normalization_retryable), or made due again by
// RenormalizeEvents after a normalizer fix, has renormalize_at set. Workers
// (the dispatcher's renormalizer) lease such events like deliveries: a
// claim moves renormalize_at to the lease's expiry under a fresh token, so
// an event whose worker died is simply due again then.

// Bounds and schedule of re-normalization.
const (
	// DefaultNormalizationClaimLimit is used when a claim leaves limit at 0.
	DefaultNormalizationClaimLimit = 16
	// DefaultRenormalizeLimit is used when RenormalizeEvents leaves limit at
	// 0; MaxReplayLimit caps it.
	DefaultRenormalizeLimit = 100
	// RenormalizeBaseDelay is the first delay after a retryable failure;
	// each further failure doubles it, up to RenormalizeMaxDelay.
	RenormalizeBaseDelay = time.Second
	// RenormalizeMaxDelay caps the delay: a normalizer back after an outage
	// is noticed within this time.
	RenormalizeMaxDelay = time.Minute
)

// RenormalizeDelay is the delay after the attempts-th retryable failure
// (1 for the first).
func RenormalizeDelay(attempts int32) time.Duration {
	d := RenormalizeBaseDelay
	for i := int32(1); i < attempts && d < RenormalizeMaxDelay; i++ {
		d *= 2
	}
	return min(d, RenormalizeMaxDelay)
}

// PrepareClaimNormalizations validates req and applies the defaults, in
// the shape of a delivery claim (DispatcherID holds the worker id).
func PrepareClaimNormalizations(req *ledgerv1.ClaimNormalizationsRequest) (ClaimQuery, error) {
	const op = "claim normalizations"
	q := ClaimQuery{DispatcherID: cleanText(req.GetWorkerId(), maxShortBytes), LeaseDuration: DefaultLeaseDuration}
	switch n := req.GetLimit(); {
	case n < 0:
		return ClaimQuery{}, fmt.Errorf("%s: limit %d is negative: %w", op, n, apperr.ErrInvalid)
	case n == 0:
		q.Limit = DefaultNormalizationClaimLimit
	default:
		q.Limit = int(min(n, MaxClaimLimit))
	}
	if d := req.GetLeaseDuration(); d != nil {
		if err := d.CheckValid(); err != nil {
			return ClaimQuery{}, fmt.Errorf("%s: lease_duration: %v: %w", op, err, apperr.ErrInvalid)
		}
		switch v := d.AsDuration(); {
		case v < 0:
			return ClaimQuery{}, fmt.Errorf("%s: lease_duration %v is negative: %w", op, v, apperr.ErrInvalid)
		case v > 0:
			q.LeaseDuration = v
		}
	}
	return q, nil
}

// NormalizationLeaseRow is a claimed event with its receipt.
type NormalizationLeaseRow struct {
	// LeaseToken is the new lease's token.
	LeaseToken string
	// ExpiresAt is when the lease ends.
	ExpiresAt time.Time
	// Attempts counts the re-normalizations tried before this one.
	Attempts int32
	// Receipt is the raw request that created the event; its key is the
	// event's.
	Receipt ReceiptRow
}

// ClaimNormalizationsResult builds the answer to a claim.
func ClaimNormalizationsResult(rows []NormalizationLeaseRow) *ledgerv1.ClaimNormalizationsResponse {
	resp := &ledgerv1.ClaimNormalizationsResponse{Leases: make([]*ledgerv1.NormalizationLease, 0, len(rows))}
	for _, r := range rows {
		resp.Leases = append(resp.Leases, &ledgerv1.NormalizationLease{
			Platform:       r.Receipt.Platform,
			Source:         r.Receipt.Source,
			EventId:        r.Receipt.EventID,
			Receipt:        r.Receipt.Receipt(),
			LeaseToken:     r.LeaseToken,
			LeaseExpiresAt: timestamppb.New(r.ExpiresAt),
			Attempts:       r.Attempts,
		})
	}
	return resp
}

// NormalizationOutcome is a validated CompleteNormalizationRequest.
type NormalizationOutcome struct {
	// LeaseToken is the canonical lease UUID.
	LeaseToken string
	// Record holds the event key and, on success, the event's columns
	// exactly as Record would have written them (EventType != 0).
	Record Record
	// Error is the failure, when Record holds no event.
	Error string
	// Retryable reschedules a failure with backoff; otherwise the failure
	// is stored and the retries end.
	Retryable bool
}

// Normalized reports whether the outcome carries an event to store.
func (o NormalizationOutcome) Normalized() bool { return o.Record.EventType != 0 }

// PrepareCompleteNormalization validates req. An event the ledger cannot
// accept (its key differs, say) is a normalizer bug: it becomes a
// non-retryable failure, as in Record.
func PrepareCompleteNormalization(req *ledgerv1.CompleteNormalizationRequest) (NormalizationOutcome, error) {
	const op = "complete normalization"
	if req.GetPlatform() == "" || req.GetEventId() == "" {
		return NormalizationOutcome{}, fmt.Errorf("%s: platform and event_id are required: %w", op, apperr.ErrInvalid)
	}
	tok, err := uuid.Parse(req.GetLeaseToken())
	if err != nil {
		return NormalizationOutcome{}, fmt.Errorf("%s: lease_token %q is not a UUID: %w", op, req.GetLeaseToken(), apperr.ErrInvalid)
	}
	o := NormalizationOutcome{
		LeaseToken: tok.String(),
		Record: Record{Platform: req.GetPlatform(), Source: req.GetSource(), EventID: req.GetEventId(),
			Metadata: map[string]string{}},
	}
	if ev := req.GetEvent(); ev != nil {
		r := o.Record
		switch err := flattenEvent(&r, ev); {
		case err != nil:
			o.Error = "ledger: " + err.Error()
		case r.EventType == 0:
			o.Error = "ledger: normalized event has no event_type"
		default:
			o.Record = r
			return o, nil
		}
		return o, nil
	}
	o.Error, o.Retryable = cleanText(req.GetError(), MaxErrorBytes), req.GetRetryable()
	if o.Error == "" {
		o.Error = DefaultNormalizationError
	}
	return o, nil
}

// NormalizationOutcomeError is the error of an outcome that updated
// nothing: the event exists (the lease was lost, or it is normalized
// already) or it does not.
func NormalizationOutcomeError(o NormalizationOutcome, exists bool) error {
	if exists {
		return fmt.Errorf("event %s/%s: lease %s no longer holds it: %w", o.Record.Platform, o.Record.EventID, o.LeaseToken, ErrLeaseLost)
	}
	return fmt.Errorf("event %s/%s: %w", o.Record.Platform, o.Record.EventID, apperr.ErrNotFound)
}

// RenormalizeQuery is a validated RenormalizeEventsRequest.
type RenormalizeQuery struct {
	// Platform keeps one platform's events when set.
	Platform string
	// Limit is the most to schedule, 1 to MaxReplayLimit.
	Limit int
	// EventID, when set, schedules that one event of Platform only (of
	// every source when Source is empty): stores then read it through the
	// dedup key's index, not the list of failed events.
	EventID string
	// Source narrows EventID.
	Source string
}

// PrepareRenormalize validates req and applies the limit bounds.
func PrepareRenormalize(req *ledgerv1.RenormalizeEventsRequest) (RenormalizeQuery, error) {
	q := RenormalizeQuery{Platform: req.GetPlatform(), EventID: req.GetEventId(), Source: req.GetSource()}
	if q.EventID == "" && q.Source != "" {
		return RenormalizeQuery{}, fmt.Errorf("renormalize events: source needs event_id: %w", apperr.ErrInvalid)
	}
	if q.EventID != "" && q.Platform == "" {
		return RenormalizeQuery{}, fmt.Errorf("renormalize events: event_id needs platform: %w", apperr.ErrInvalid)
	}
	switch n := req.GetLimit(); {
	case n < 0:
		return RenormalizeQuery{}, fmt.Errorf("renormalize events: limit %d is negative: %w", n, apperr.ErrInvalid)
	case n == 0:
		q.Limit = DefaultRenormalizeLimit
	default:
		q.Limit = int(min(n, MaxReplayLimit))
	}
	return q, nil
}
