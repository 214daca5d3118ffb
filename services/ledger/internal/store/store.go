// Package store defines what every ledger store does, and the handling of
// requests that does not depend on the database: validation, defaults, page
// tokens and the encoding of the normalized event. Each backend (PostgreSQL
// for production, the embedded SQLite for development and single-node
// trials) only runs SQL, so both behave the same and one conformance suite
// (package storetest) checks them both.
package store

import (
	"context"
	"errors"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
)

// ErrLeaseLost means an outcome was reported with a lease token that no
// longer holds the delivery: its lease expired and another dispatcher
// claimed it, or an outcome was already recorded. The server maps it to
// FAILED_PRECONDITION; apperr has no such class because only the ledger
// knows leases.
var ErrLeaseLost = errors.New("lease lost")

// Store is the ledger's durable state. Errors wrap the apperr classes:
// ErrInvalid for a bad request, ErrNotFound for a missing event,
// ErrUnavailable when the database cannot be reached (the caller may retry),
// ErrConflict when a receipt id is reused for another event or a
// subscription name is taken, ErrLeaseLost when an outcome's lease token no
// longer holds its delivery. No database-specific error escapes a Store.
type Store interface {
	// Record stores the receipt and its event atomically, idempotent per
	// (platform, source, event_id) of the receipt. A duplicate stores nothing
	// and answers the first receipt's id with Duplicate set. Repeating the
	// very request that created the event (same receipt id, e.g. a client
	// retry after a lost answer) answers as the first time: not a duplicate.
	// A new normalized event (event_type != 0) gets, in the same
	// transaction, one pending delivery per matching subscription (paused
	// ones included) and a notification to Listen; an event that could not
	// be normalized gets none; when the normalizer was unreachable
	// (normalization_retryable) it is scheduled for re-normalization at
	// once (see ClaimNormalizations), and gets its deliveries then.
	Record(ctx context.Context, req *ledgerv1.RecordRequest) (*ledgerv1.RecordResponse, error)
	// GetEvent returns an event with its receipt; when the request has no
	// source and several sources share the id, the most recently received.
	GetEvent(ctx context.Context, req *ledgerv1.GetEventRequest) (*ledgerv1.GetEventResponse, error)
	// ListEvents returns one page of events, newest first.
	ListEvents(ctx context.Context, req *ledgerv1.ListEventsRequest) (*ledgerv1.ListEventsResponse, error)

	// ClaimDeliveries leases due deliveries fairly across active
	// subscriptions, within each one's max_concurrency.
	ClaimDeliveries(ctx context.Context, req *ledgerv1.ClaimDeliveriesRequest) (*ledgerv1.ClaimDeliveriesResponse, error)
	// CompleteDelivery records a delivered attempt; ErrLeaseLost when the
	// token does not hold the delivery, ErrNotFound for an unknown id.
	CompleteDelivery(ctx context.Context, req *ledgerv1.CompleteDeliveryRequest) (*ledgerv1.CompleteDeliveryResponse, error)
	// RetryDelivery records a failed or deferred attempt and makes the
	// delivery due at next_attempt_at; the same errors as CompleteDelivery.
	RetryDelivery(ctx context.Context, req *ledgerv1.RetryDeliveryRequest) (*ledgerv1.RetryDeliveryResponse, error)
	// DeadLetterDelivery moves a leased delivery to the dead-letter queue;
	// the same errors as CompleteDelivery.
	DeadLetterDelivery(ctx context.Context, req *ledgerv1.DeadLetterDeliveryRequest) (*ledgerv1.DeadLetterDeliveryResponse, error)
	// ReleaseLeases makes every pending delivery leased by the request's
	// dispatcher id due now, with its lease cleared and its attempts
	// unchanged, adds a ReleaseReason history row to each and notifies
	// Listen; it counts them. ErrInvalid for an empty id.
	ReleaseLeases(ctx context.Context, req *ledgerv1.ReleaseLeasesRequest) (*ledgerv1.ReleaseLeasesResponse, error)
	// ClaimNormalizations leases events due for re-normalization, oldest
	// due first, with their receipts.
	ClaimNormalizations(ctx context.Context, req *ledgerv1.ClaimNormalizationsRequest) (*ledgerv1.ClaimNormalizationsResponse, error)
	// CompleteNormalization applies a re-normalization: on success the
	// event's columns as Record writes them, the error cleared, one pending
	// delivery per matching subscription (Record's rule) and a notification
	// to Listen; a retryable failure is due again after RenormalizeDelay; a
	// final one is stored and unscheduled. ErrLeaseLost when the token does
	// not hold the event, ErrNotFound for an unknown event.
	CompleteNormalization(ctx context.Context, req *ledgerv1.CompleteNormalizationRequest) (*ledgerv1.CompleteNormalizationResponse, error)
	// RenormalizeEvents schedules up to a limit of unnormalized events that
	// are not scheduled yet, oldest first, and counts them.
	RenormalizeEvents(ctx context.Context, req *ledgerv1.RenormalizeEventsRequest) (*ledgerv1.RenormalizeEventsResponse, error)
	// ListDeliveries returns an event's deliveries with their history;
	// ErrNotFound when the event does not exist.
	ListDeliveries(ctx context.Context, req *ledgerv1.ListDeliveriesRequest) (*ledgerv1.ListDeliveriesResponse, error)
	// ListDeadLetters returns one page of dead letters, newest first, with
	// their history.
	ListDeadLetters(ctx context.Context, req *ledgerv1.ListDeadLettersRequest) (*ledgerv1.ListDeadLettersResponse, error)
	// ReplayDeadLetter makes one dead letter due now with its attempts
	// reset; ErrNotFound when the id is not a dead letter.
	ReplayDeadLetter(ctx context.Context, req *ledgerv1.ReplayDeadLetterRequest) (*ledgerv1.ReplayDeadLetterResponse, error)
	// ReplayDeadLetters replays up to a limit of matching dead letters and
	// counts those left.
	ReplayDeadLetters(ctx context.Context, req *ledgerv1.ReplayDeadLettersRequest) (*ledgerv1.ReplayDeadLettersResponse, error)

	// CreateSubscription stores a new subscription with defaults filled in;
	// ErrConflict when the name is taken.
	CreateSubscription(ctx context.Context, req *ledgerv1.CreateSubscriptionRequest) (*ledgerv1.CreateSubscriptionResponse, error)
	// UpdateSubscription replaces every setting but the name and the
	// timestamps; ErrNotFound when absent.
	UpdateSubscription(ctx context.Context, req *ledgerv1.UpdateSubscriptionRequest) (*ledgerv1.UpdateSubscriptionResponse, error)
	// UpsertSubscription creates sub or replaces its settings, keeping the
	// stored paused flag unless sub sets paused; seeding from a file uses
	// it, so a restart never resumes a subscription an operator paused.
	UpsertSubscription(ctx context.Context, sub *ledgerv1.Subscription) (*ledgerv1.Subscription, error)
	// GetSubscription returns one subscription; ErrNotFound when absent.
	GetSubscription(ctx context.Context, req *ledgerv1.GetSubscriptionRequest) (*ledgerv1.GetSubscriptionResponse, error)
	// ListSubscriptions returns every subscription, by name.
	ListSubscriptions(ctx context.Context, req *ledgerv1.ListSubscriptionsRequest) (*ledgerv1.ListSubscriptionsResponse, error)
	// PauseSubscription stops claims for a subscription; its deliveries
	// wait. ErrNotFound when absent.
	PauseSubscription(ctx context.Context, req *ledgerv1.PauseSubscriptionRequest) (*ledgerv1.PauseSubscriptionResponse, error)
	// ResumeSubscription makes a paused subscription's deliveries
	// claimable again and notifies Listen. ErrNotFound when absent.
	ResumeSubscription(ctx context.Context, req *ledgerv1.ResumeSubscriptionRequest) (*ledgerv1.ResumeSubscriptionResponse, error)
	// DeleteSubscription removes a subscription with its deliveries and
	// their history, in one transaction, and counts the deliveries removed.
	// A lease held on one of them is lost (its outcome: ErrNotFound).
	// ErrNotFound when absent.
	DeleteSubscription(ctx context.Context, req *ledgerv1.DeleteSubscriptionRequest) (*ledgerv1.DeleteSubscriptionResponse, error)

	// RedeliverSubscription creates a running redelivery job (see
	// ledger.v1.LedgerService.RedeliverSubscription) with its total
	// estimate; its batches run through RunJobBatch. ErrNotFound when the
	// subscription is absent. CreateSubscription, given a start_from,
	// creates the backfill job in the same transaction as the
	// subscription.
	RedeliverSubscription(ctx context.Context, req *ledgerv1.RedeliverSubscriptionRequest) (*ledgerv1.RedeliverSubscriptionResponse, error)
	// GetJob returns one job; ErrNotFound when absent.
	GetJob(ctx context.Context, req *ledgerv1.GetJobRequest) (*ledgerv1.GetJobResponse, error)
	// ListJobs returns jobs newest first.
	ListJobs(ctx context.Context, req *ledgerv1.ListJobsRequest) (*ledgerv1.ListJobsResponse, error)
	// CancelJob makes a running job cancelled (waiting for a batch in
	// progress); a job that ended is returned unchanged. ErrNotFound when
	// absent.
	CancelJob(ctx context.Context, req *ledgerv1.CancelJobRequest) (*ledgerv1.CancelJobResponse, error)
	// RunningJobs returns the ids of running jobs, oldest first.
	RunningJobs(ctx context.Context) ([]string, error)
	// RunJobBatch runs one batch of a running job, in one transaction: it
	// reads up to JobBatch events after the job's cursor (fewer when the
	// subscription's pending job deliveries are near BulkBacklog; none
	// when they reach it), creates the deliveries JobDeliveries decides,
	// moves the cursor and counts, ends the job when its range is
	// scanned, and notifies Listen of the new deliveries. Only one batch
	// of a job runs at a time, across ledgers (the job's row is locked,
	// and a batch finding it locked does nothing). A job whose
	// subscription is gone is failed.
	RunJobBatch(ctx context.Context, jobID string) (BatchResult, error)

	// Listen waits for notifications that deliveries may be due (new
	// deliveries, replays, resumed subscriptions, deferrals due now) and
	// calls notify for each, with the subscriptions concerned (nil or empty
	// means any). It calls notify(nil) once it listens, because anything may
	// have become due while it did not. notify runs on Listen's goroutine
	// and must not block. Listen returns nil when ctx is done and an error
	// when its connection fails; the caller listens again with backoff.
	Listen(ctx context.Context, notify func(subscriptions []string)) error

	// WatchStart resolves where an event stream starts (see WatchFrom) and
	// returns the position to read after. A cursor is checked: ErrInvalid
	// when it is not one of this store's or is ahead of its events,
	// ErrCursorExpired when events after it were deleted.
	WatchStart(ctx context.Context, from WatchFrom) (Position, error)
	// WatchEvents reads the event stream after q.After: events in commit
	// order, each exactly once across successive reads that pass on
	// WatchPage.Next, whatever commits concurrently. ErrCursorExpired when
	// events after q.After were deleted meanwhile.
	WatchEvents(ctx context.Context, q WatchQuery) (WatchPage, error)
	// EventsChanged returns a channel closed once events may have been
	// recorded after the call: by this store at once, by other ledgers on
	// the same database through Listen's connection (so only while Listen
	// runs). Readers also poll: a wake-up can be lost.
	EventsChanged() <-chan struct{}

	// Stats counts pending deliveries (state pending: due, deferred or
	// leased) and dead letters, for the ledger's gauges. Each count reads
	// only its partial index, so it is cheap enough to run on every
	// metrics scrape; its cost grows with the backlog, not with history.
	Stats(ctx context.Context) (pending, dead int64, err error)

	// ReportBreakers stores a dispatcher's breaker report (see
	// PrepareBreakerReport) as of now, replacing its previous one, and
	// forgets reports a day old.
	ReportBreakers(ctx context.Context, r BreakerRow) error
	// DeliveryStats reads what GetDeliveryStats answers (see StatsResult):
	// per-subscription counts through the partial indexes of pending and
	// dead deliveries, the breaker reports at most BreakerReportTTL old,
	// and the unnormalized events per platform (event_type 0, along its
	// index).
	DeliveryStats(ctx context.Context) (StatsRows, error)

	// Ping checks that the database answers; readiness uses it.
	Ping(ctx context.Context) error
	// SetFilterObserver makes the store tell o the cost and verdicts of
	// the filters and ordering keys it evaluates (EvaluateFilters), for
	// the metrics. Call it before the store serves: it is not
	// synchronized with the calls that read it.
	SetFilterObserver(o FilterObserver)
	// Close releases the store's resources. It is safe to call twice;
	// calls after Close fail with ErrUnavailable.
	Close()
}
