package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
)

// Delivery states as stores keep them: the DeliveryState numbers, so a
// column read back converts without a table.
const (
	// StatePending is waiting for its next attempt, or leased.
	StatePending = int16(ledgerv1.DeliveryState_DELIVERY_STATE_PENDING)
	// StateDelivered was acknowledged by the handler.
	StateDelivered = int16(ledgerv1.DeliveryState_DELIVERY_STATE_DELIVERED)
	// StateDead is a dead letter.
	StateDead = int16(ledgerv1.DeliveryState_DELIVERY_STATE_DEAD)
)

// Bounds of ClaimDeliveries.
const (
	// DefaultClaimLimit is used when the request leaves limit at 0.
	DefaultClaimLimit = 64
	// MaxClaimLimit caps limit; larger values are lowered to it.
	MaxClaimLimit = 500
	// DefaultLeaseDuration is used when the request sets no lease_duration.
	DefaultLeaseDuration = 60 * time.Second
	// LeaseMargin is added to a subscription's call timeout to get the
	// shortest lease: a lease that ended before the call's deadline would
	// let a second dispatcher deliver while the first is still waiting.
	LeaseMargin = 5 * time.Second
	// MaxClaimTargets bounds skip_targets and probe_targets each: a
	// dispatcher lists the targets whose breakers are not closed, a handful.
	MaxClaimTargets = 1000
)

// Truncation of the texts dispatchers report. They come from downstream
// handlers, so they are untrusted: bounded and made valid UTF-8 without NUL
// (which PostgreSQL text refuses) before they reach a store.
const (
	// MaxErrorBytes bounds an error message in history and last_error.
	MaxErrorBytes = 2048
	// maxShortBytes bounds codes and dispatcher ids.
	maxShortBytes = 200
)

// ClaimQuery is a validated ClaimDeliveriesRequest.
type ClaimQuery struct {
	// DispatcherID names the caller; kept in leased_by.
	DispatcherID string
	// Limit is the most leases to grant, 1 to MaxClaimLimit.
	Limit int
	// LeaseDuration is the requested lease; stores extend it to the
	// subscription's timeout plus LeaseMargin when that is longer.
	LeaseDuration time.Duration
	// SkipTargets are handler targets none of whose subscriptions' rows
	// may be claimed (their breaker is open at the caller). Never nil.
	SkipTargets []string
	// ProbeTargets are handler targets of which at most one row, across
	// all their subscriptions, may be claimed (a half-open breaker's trial
	// call). Never nil, and disjoint from SkipTargets.
	ProbeTargets []string
}

// PrepareClaim validates req and applies the defaults.
func PrepareClaim(req *ledgerv1.ClaimDeliveriesRequest) (ClaimQuery, error) {
	q := ClaimQuery{DispatcherID: cleanText(req.GetDispatcherId(), maxShortBytes), LeaseDuration: DefaultLeaseDuration}
	switch n := req.GetLimit(); {
	case n < 0:
		return ClaimQuery{}, fmt.Errorf("claim deliveries: limit %d is negative: %w", n, apperr.ErrInvalid)
	case n == 0:
		q.Limit = DefaultClaimLimit
	default:
		q.Limit = int(min(n, MaxClaimLimit))
	}
	if d := req.GetLeaseDuration(); d != nil {
		if err := d.CheckValid(); err != nil {
			return ClaimQuery{}, fmt.Errorf("claim deliveries: lease_duration: %v: %w", err, apperr.ErrInvalid)
		}
		switch v := d.AsDuration(); {
		case v < 0:
			return ClaimQuery{}, fmt.Errorf("claim deliveries: lease_duration %v is negative: %w", v, apperr.ErrInvalid)
		case v > 0:
			q.LeaseDuration = v
		}
	}
	skip, probe := req.GetSkipTargets(), req.GetProbeTargets()
	if len(skip) > MaxClaimTargets || len(probe) > MaxClaimTargets {
		return ClaimQuery{}, fmt.Errorf("claim deliveries: %d skip_targets and %d probe_targets, at most %d each: %w",
			len(skip), len(probe), MaxClaimTargets, apperr.ErrInvalid)
	}
	// A target in both lists is skipped: its breaker cannot be both open
	// and half-open, and skipping is the side that makes no call.
	q.SkipTargets = slices.Compact(slices.Sorted(slices.Values(skip)))
	q.ProbeTargets = []string{}
	for _, t := range slices.Compact(slices.Sorted(slices.Values(probe))) {
		if _, found := slices.BinarySearch(q.SkipTargets, t); !found {
			q.ProbeTargets = append(q.ProbeTargets, t)
		}
	}
	if q.SkipTargets == nil {
		q.SkipTargets = []string{}
	}
	return q, nil
}

// Outcome is a validated Complete, Retry or DeadLetter report, in the one
// shape every store applies with one statement.
type Outcome struct {
	// DeliveryID and LeaseToken are canonical UUIDs.
	DeliveryID, LeaseToken string
	// DispatcherID names the reporter, for the history.
	DispatcherID string
	// State is the delivery's state afterwards.
	State int16
	// Counted adds one to attempts and numbers the history row with it;
	// uncounted deferrals are numbered 0.
	Counted bool
	// NextAttemptAt is when a retried delivery is due; zero for the other
	// outcomes (stores then use the current time).
	NextAttemptAt time.Time
	// ErrorClass, Code and Error describe the attempt; Error also replaces
	// last_error when not empty.
	ErrorClass int16
	// Code is the handler's gRPC code name.
	Code string
	// Error is the failure message, truncated to MaxErrorBytes.
	Error string
	// NoHistory applies the outcome without a history row: a breaker
	// deferral that made no call (see PrepareRetry).
	NoHistory bool
	// DurationMicros is how long the handler call took, in microseconds;
	// nil when no call was made or none was reported (stored as NULL).
	DurationMicros *int64
}

// durationMicros validates an outcome's reported call duration.
func durationMicros(op string, d *durationpb.Duration) (*int64, error) {
	if d == nil {
		return nil, nil
	}
	if err := d.CheckValid(); err != nil || d.AsDuration() < 0 {
		return nil, fmt.Errorf("%s: duration %v is not a valid non-negative duration: %w", op, d, apperr.ErrInvalid)
	}
	us := d.AsDuration().Microseconds()
	return &us, nil
}

func prepareOutcome(op, deliveryID, token, dispatcherID string) (Outcome, error) {
	id, err := uuid.Parse(deliveryID)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: delivery_id %q is not a UUID: %w", op, deliveryID, apperr.ErrInvalid)
	}
	tok, err := uuid.Parse(token)
	if err != nil {
		return Outcome{}, fmt.Errorf("%s: lease_token %q is not a UUID: %w", op, token, apperr.ErrInvalid)
	}
	return Outcome{DeliveryID: id.String(), LeaseToken: tok.String(), DispatcherID: cleanText(dispatcherID, maxShortBytes)}, nil
}

func errorClass(op string, c ledgerv1.ErrorClass) (int16, error) {
	if _, ok := ledgerv1.ErrorClass_name[int32(c)]; !ok {
		return 0, fmt.Errorf("%s: unknown error_class %d: %w", op, c, apperr.ErrInvalid)
	}
	return int16(c), nil
}

// PrepareComplete validates a CompleteDeliveryRequest.
func PrepareComplete(req *ledgerv1.CompleteDeliveryRequest) (Outcome, error) {
	o, err := prepareOutcome("complete delivery", req.GetDeliveryId(), req.GetLeaseToken(), req.GetDispatcherId())
	if err != nil {
		return Outcome{}, err
	}
	o.State, o.Counted, o.Code = StateDelivered, true, "OK"
	if o.DurationMicros, err = durationMicros("complete delivery", req.GetDuration()); err != nil {
		return Outcome{}, err
	}
	return o, nil
}

// PrepareRetry validates a RetryDeliveryRequest; next_attempt_at is
// required, since a default would silently pick a retry schedule.
func PrepareRetry(req *ledgerv1.RetryDeliveryRequest) (Outcome, error) {
	const op = "retry delivery"
	o, err := prepareOutcome(op, req.GetDeliveryId(), req.GetLeaseToken(), req.GetDispatcherId())
	if err != nil {
		return Outcome{}, err
	}
	t := req.GetNextAttemptAt()
	if t == nil {
		return Outcome{}, fmt.Errorf("%s: next_attempt_at is required: %w", op, apperr.ErrInvalid)
	}
	if err := t.CheckValid(); err != nil {
		return Outcome{}, fmt.Errorf("%s: next_attempt_at: %v: %w", op, err, apperr.ErrInvalid)
	}
	if o.ErrorClass, err = errorClass(op, req.GetErrorClass()); err != nil {
		return Outcome{}, err
	}
	o.State, o.Counted = StatePending, req.GetCountAttempt()
	o.NextAttemptAt = t.AsTime().Truncate(time.Microsecond)
	o.Code, o.Error = cleanText(req.GetCode(), maxShortBytes), cleanText(req.GetError(), MaxErrorBytes)
	o.NoHistory = RefusedByBreaker(o)
	if o.DurationMicros, err = durationMicros(op, req.GetDuration()); err != nil {
		return Outcome{}, err
	}
	return o, nil
}

// PrepareDeadLetter validates a DeadLetterDeliveryRequest. The final
// attempt counts, even one that made no call (an unusable target): the
// history then shows how many tries the dead letter had.
func PrepareDeadLetter(req *ledgerv1.DeadLetterDeliveryRequest) (Outcome, error) {
	const op = "dead-letter delivery"
	o, err := prepareOutcome(op, req.GetDeliveryId(), req.GetLeaseToken(), req.GetDispatcherId())
	if err != nil {
		return Outcome{}, err
	}
	if o.ErrorClass, err = errorClass(op, req.GetErrorClass()); err != nil {
		return Outcome{}, err
	}
	o.State, o.Counted = StateDead, true
	o.Code, o.Error = cleanText(req.GetCode(), maxShortBytes), cleanText(req.GetError(), MaxErrorBytes)
	if o.DurationMicros, err = durationMicros(op, req.GetDuration()); err != nil {
		return Outcome{}, err
	}
	return o, nil
}

// RefusedByBreaker reports whether o is a deferral that made no call
// because the target's breaker was open: uncounted, class BREAKER_OPEN, no
// code. Such a deferral keeps no history row. During an outage a
// dispatcher refuses whatever it had claimed of the target, and a row per
// refused delivery (per breaker period, before dispatchers stopped
// claiming an open target's deliveries) was most of an outage's history
// without telling anything: the outage is recorded once, on the delivery
// whose call opened the breaker, and the call attempts are kept. The
// delivery still moves (next_attempt_at, lease cleared) and its last_error
// says why it waits.
func RefusedByBreaker(o Outcome) bool {
	return !o.Counted && o.State == StatePending && o.Code == "" &&
		o.ErrorClass == int16(ledgerv1.ErrorClass_ERROR_CLASS_BREAKER_OPEN)
}

// ReleaseReason is the error of the history row ReleaseLeases adds to each
// delivery it releases, so ListDeliveries shows why the delivery was due
// again before its lease ended.
const ReleaseReason = "released at dispatcher restart"

// PrepareReleaseLeases validates a ReleaseLeasesRequest and returns the
// dispatcher id, cleaned as claims clean it so that it matches leased_by.
// An empty id is refused: it would release the leases of every dispatcher
// that claimed without one.
func PrepareReleaseLeases(req *ledgerv1.ReleaseLeasesRequest) (string, error) {
	id := cleanText(req.GetDispatcherId(), maxShortBytes)
	if id == "" {
		return "", fmt.Errorf("release leases: dispatcher_id is required: %w", apperr.ErrInvalid)
	}
	return id, nil
}

// OutcomeError turns the two facts a store learns when an outcome updated
// nothing into the error to return: the id exists (the lease was lost) or
// it does not.
func OutcomeError(o Outcome, exists bool) error {
	if exists {
		return fmt.Errorf("delivery %s: lease %s no longer holds it: %w", o.DeliveryID, o.LeaseToken, ErrLeaseLost)
	}
	return fmt.Errorf("delivery %s: %w", o.DeliveryID, apperr.ErrNotFound)
}

// cleanText makes s storable as text and bounds it to max bytes, cutting on
// a rune boundary.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// PrepareListDeliveries validates a ListDeliveriesRequest into the lookup
// GetEvent uses: without a source, the most recently received event wins.
func PrepareListDeliveries(req *ledgerv1.ListDeliveriesRequest) (GetQuery, error) {
	if req.GetPlatform() == "" {
		return GetQuery{}, fmt.Errorf("list deliveries: platform is required: %w", apperr.ErrInvalid)
	}
	if req.GetEventId() == "" {
		return GetQuery{}, fmt.Errorf("list deliveries: event_id is required: %w", apperr.ErrInvalid)
	}
	return GetQuery{Platform: req.GetPlatform(), EventID: req.GetEventId(), Source: req.GetSource()}, nil
}

// DeliveryRow is a deliveries row as stores read it.
type DeliveryRow struct {
	// DeliveryID is the delivery's UUID.
	DeliveryID string
	// Subscription is the subscription's name.
	Subscription string
	// Platform, Source and EventID name the event.
	Platform, Source, EventID string
	// State is one of the State constants.
	State int16
	// Attempts counts counted attempts; Replays counts replays.
	Attempts, Replays int32
	// NextAttemptAt is when it is due (a lease's expiry while leased).
	NextAttemptAt time.Time
	// LastError is the latest failure.
	LastError string
	// CreatedAt and UpdatedAt are the row's timestamps.
	CreatedAt, UpdatedAt time.Time
	// DeadAt is when it became a dead letter; nil otherwise.
	DeadAt *time.Time
	// RedeliveryOf is the delivery this one delivers again, "" for a
	// first delivery; JobID the job that made it, "" for none.
	RedeliveryOf, JobID string
}

// Delivery converts the row, without history.
func (r DeliveryRow) Delivery() *ledgerv1.Delivery {
	return &ledgerv1.Delivery{
		DeliveryId:    r.DeliveryID,
		Subscription:  r.Subscription,
		Platform:      r.Platform,
		Source:        r.Source,
		EventId:       r.EventID,
		State:         ledgerv1.DeliveryState(r.State),
		Attempts:      r.Attempts,
		NextAttemptAt: timestamppb.New(r.NextAttemptAt),
		LastError:     r.LastError,
		CreatedAt:     timestamppb.New(r.CreatedAt),
		UpdatedAt:     timestamppb.New(r.UpdatedAt),
		Replays:       r.Replays,
		RedeliveryOf:  r.RedeliveryOf,
		JobId:         r.JobID,
	}
}

// AttemptRow is a delivery_attempts row as stores read it.
type AttemptRow struct {
	// DeliveryID is the delivery the attempt belongs to.
	DeliveryID string
	// Attempt is the counted attempt number, 0 for a deferral.
	Attempt int32
	// At is when the outcome was reported.
	At time.Time
	// ErrorClass is the ErrorClass number.
	ErrorClass int16
	// Code, Error and DispatcherID are as reported.
	Code, Error, DispatcherID string
	// DurationMicros is the call's duration; nil when unknown.
	DurationMicros *int64
}

// WithHistory converts rows and attaches to each its attempts, which must
// come oldest first.
func WithHistory(rows []DeliveryRow, attempts []AttemptRow) []*ledgerv1.Delivery {
	byID := make(map[string][]*ledgerv1.DeliveryAttempt, len(rows))
	for _, a := range attempts {
		byID[a.DeliveryID] = append(byID[a.DeliveryID], &ledgerv1.DeliveryAttempt{
			Attempt:      a.Attempt,
			At:           timestamppb.New(a.At),
			ErrorClass:   ledgerv1.ErrorClass(a.ErrorClass),
			Code:         a.Code,
			Error:        a.Error,
			DispatcherId: a.DispatcherID,
			Duration:     microsDuration(a.DurationMicros),
		})
	}
	out := make([]*ledgerv1.Delivery, 0, len(rows))
	for _, r := range rows {
		d := r.Delivery()
		d.History = byID[r.DeliveryID]
		out = append(out, d)
	}
	return out
}

// LeaseRow is a claimed delivery with what the dispatcher needs.
type LeaseRow struct {
	// Delivery is the row after the claim: NextAttemptAt is the lease's
	// expiry, Attempts the counted attempts before this one.
	Delivery DeliveryRow
	// Rank is the delivery's position within its subscription's share of
	// the claim; leases are returned round-robin by rank.
	Rank int64
	// DueAt is when the delivery was due before the claim.
	DueAt time.Time
	// LeaseToken is the new lease's token.
	LeaseToken string
	// Normalized is the encoded event; Payload the receipt's body.
	Normalized, Payload []byte
	// Subscription is the subscription's current configuration.
	Subscription SubscriptionRow
	// Traceparent is the receipt's TraceparentHeader, "" when absent.
	Traceparent string
}

// TraceparentHeader is the receipt header the edge stores its ingest
// span's W3C traceparent under; each lease carries it to the dispatcher.
const TraceparentHeader = "hookmesh-traceparent"

// ClaimResult builds the answer to a claim, interleaving subscriptions:
// every subscription's first lease comes before any second one, so a caller
// that stops early still serves everyone. throttled is when the earliest
// subscription waiting for its rate's next token gets it, nil when none
// waits.
func ClaimResult(rows []LeaseRow, throttled *time.Time) (*ledgerv1.ClaimDeliveriesResponse, error) {
	slices.SortFunc(rows, func(a, b LeaseRow) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), a.DueAt.Compare(b.DueAt),
			cmp.Compare(a.Delivery.Subscription, b.Delivery.Subscription))
	})
	resp := &ledgerv1.ClaimDeliveriesResponse{Leases: make([]*ledgerv1.Lease, 0, len(rows))}
	if throttled != nil {
		resp.ThrottledUntil = timestamppb.New(*throttled)
	}
	for _, r := range rows {
		ev := &eventv1.NormalizedEvent{}
		if err := proto.Unmarshal(r.Normalized, ev); err != nil {
			return nil, fmt.Errorf("decode event of delivery %s: %w", r.Delivery.DeliveryID, err)
		}
		sub, err := r.Subscription.Subscription()
		if err != nil {
			return nil, err
		}
		payload := r.Payload
		if payload == nil {
			payload = []byte{}
		}
		resp.Leases = append(resp.Leases, &ledgerv1.Lease{
			Delivery:       r.Delivery.Delivery(),
			LeaseToken:     r.LeaseToken,
			LeaseExpiresAt: timestamppb.New(r.Delivery.NextAttemptAt),
			Event:          ev,
			Payload:        payload,
			Subscription:   sub,
			Traceparent:    r.Traceparent,
		})
	}
	return resp, nil
}

// microsDuration converts a stored duration; nil stays unset.
func microsDuration(us *int64) *durationpb.Duration {
	if us == nil {
		return nil
	}
	return durationpb.New(time.Duration(*us) * time.Microsecond)
}
