package store

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/event/v1"
	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/filter"
)

// Job kinds, as stored (ledger.v1.JobKind numbers).
const (
	JobRedeliver int16 = 1
	JobBackfill  int16 = 2
)

// Job states, as stored (ledger.v1.JobState numbers).
const (
	JobRunning   int16 = 1
	JobDone      int16 = 2
	JobFailed    int16 = 3
	JobCancelled int16 = 4
)

// JobBatch is the most events one batch of a job reads, in one
// transaction: large enough that a job of millions of events takes
// thousands of batches, not millions, small enough that a batch holds its
// locks for milliseconds.
const JobBatch = 500

// BulkBacklog is the most pending deliveries that jobs may have made for a
// subscription with this max_concurrency: a batch creates deliveries only
// up to it. Claims take a subscription's due deliveries oldest first, and a
// job's deliveries are due when made, so a live delivery recorded during a
// job waits behind at most this many of them: a few claims' worth (ten per
// unit of concurrency), never the whole job. The floor keeps a job of a
// subscription with max_concurrency 1 from crawling.
func BulkBacklog(maxConcurrency int32) int64 {
	return max(100, 10*int64(maxConcurrency))
}

// DefaultJobListLimit and MaxJobListLimit bound ListJobs.
const (
	DefaultJobListLimit = 100
	MaxJobListLimit     = 1000
)

// JobFailedSubscriptionGone is the error of a job whose subscription was
// deleted while it ran.
const JobFailedSubscriptionGone = "subscription deleted"

// JobRow is a jobs row as stores read and write it.
type JobRow struct {
	// JobID is the job's UUID.
	JobID string
	// Kind and State are the constants above.
	Kind, State int16
	// Subscription is the subscription's name.
	Subscription string
	// From and To bound received_at: From inclusive, To exclusive.
	From, To time.Time
	// Filter is the job's own CEL filter, "" for none.
	Filter string
	// CursorAt and CursorID are the last event scanned ((received_at, id)
	// order); CursorAt nil before the first batch.
	CursorAt *time.Time
	// CursorID is the event row id of the cursor.
	CursorID int64
	// Scanned, Created and Total are the progress counters.
	Scanned, Created, Total int64
	// Error says why it failed.
	Error string
	// CreatedAt and UpdatedAt are the row's timestamps.
	CreatedAt, UpdatedAt time.Time
}

// Job converts the row.
func (r JobRow) Job() *ledgerv1.Job {
	return &ledgerv1.Job{
		JobId:             r.JobID,
		Kind:              ledgerv1.JobKind(r.Kind),
		Subscription:      r.Subscription,
		From:              timestamppb.New(r.From),
		To:                timestamppb.New(r.To),
		Filter:            r.Filter,
		State:             ledgerv1.JobState(r.State),
		EventsScanned:     r.Scanned,
		DeliveriesCreated: r.Created,
		TotalEstimate:     r.Total,
		Error:             r.Error,
		CreatedAt:         timestamppb.New(r.CreatedAt),
		UpdatedAt:         timestamppb.New(r.UpdatedAt),
	}
}

// NewJobID returns a new job id: a time-ordered UUID, as delivery ids.
func NewJobID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// PrepareRedeliver validates a redelivery request into a new running job
// row (without its total, which the store counts). now is the default,
// and the latest, of to. ErrInvalid for a missing name or from, a range that is empty, or a
// filter that does not compile (the CEL error carries its position).
func PrepareRedeliver(req *ledgerv1.RedeliverSubscriptionRequest, now time.Time) (JobRow, error) {
	const op = "redeliver subscription"
	if req.GetName() == "" {
		return JobRow{}, fmt.Errorf("%s: name is required: %w", op, apperr.ErrInvalid)
	}
	if req.GetFrom() == nil {
		return JobRow{}, fmt.Errorf("%s %q: from is required: %w", op, req.GetName(), apperr.ErrInvalid)
	}
	if err := req.GetFrom().CheckValid(); err != nil {
		return JobRow{}, fmt.Errorf("%s %q: from: %v: %w", op, req.GetName(), err, apperr.ErrInvalid)
	}
	to := now
	if req.GetTo() != nil {
		if err := req.GetTo().CheckValid(); err != nil {
			return JobRow{}, fmt.Errorf("%s %q: to: %v: %w", op, req.GetName(), err, apperr.ErrInvalid)
		}
		// A range reaching past the request would also redeliver events
		// recorded while the job runs, which get their deliveries anyway.
		if t := req.GetTo().AsTime(); t.Before(now) {
			to = t
		}
	}
	from := req.GetFrom().AsTime().Truncate(time.Microsecond)
	to = to.Truncate(time.Microsecond)
	if !from.Before(to) {
		return JobRow{}, fmt.Errorf("%s %q: from (%s) must be before to (%s): %w", op, req.GetName(),
			from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), apperr.ErrInvalid)
	}
	if f := req.GetFilter(); f != "" {
		if _, err := filter.Cached(f); err != nil {
			return JobRow{}, fmt.Errorf("%s %q: filter: %w: %w", op, req.GetName(), err, apperr.ErrInvalid)
		}
	}
	return JobRow{JobID: NewJobID(), Kind: JobRedeliver, State: JobRunning, Subscription: req.GetName(),
		From: from, To: to, Filter: req.GetFilter()}, nil
}

// BackfillJob is the job of a new subscription with start_from: the events
// received from start_from until its creation (later ones get their
// deliveries when recorded).
func BackfillJob(name string, startFrom, createdAt time.Time) JobRow {
	return JobRow{JobID: NewJobID(), Kind: JobBackfill, State: JobRunning, Subscription: name,
		From: startFrom.Truncate(time.Microsecond), To: createdAt.Truncate(time.Microsecond)}
}

// CheckStartFrom refuses a start_from in the future (there is nothing to
// backfill from there, and it would read as "start later", which it does
// not do).
func CheckStartFrom(op string, sub *ledgerv1.Subscription, now time.Time) error {
	t := sub.GetStartFrom()
	if t == nil || !t.AsTime().After(now) {
		return nil
	}
	return fmt.Errorf("%s %q: start_from %s is in the future: %w", op, sub.GetName(),
		t.AsTime().Format(time.RFC3339Nano), apperr.ErrInvalid)
}

// PrepareJobList validates ListJobs' limit.
func PrepareJobList(req *ledgerv1.ListJobsRequest) (int, error) {
	switch l := req.GetLimit(); {
	case l < 0 || l > MaxJobListLimit:
		return 0, fmt.Errorf("list jobs: limit %d must be between 0 and %d: %w", l, MaxJobListLimit, apperr.ErrInvalid)
	case l == 0:
		return DefaultJobListLimit, nil
	default:
		return int(l), nil
	}
}

// PrepareJobID validates a job id.
func PrepareJobID(op, id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("%s: job_id %q is not a UUID: %w", op, id, apperr.ErrNotFound)
	}
	return u.String(), nil
}

// JobEvent is an event a batch read: its row, and what the filters read.
type JobEvent struct {
	// RowID and ReceivedAt are the cursor's position.
	RowID      int64
	ReceivedAt time.Time
	// Platform, Source, EventID name it.
	Platform, Source, EventID string
	// Normalized is the encoded NormalizedEvent.
	Normalized []byte
	// Headers and Body are its receipt's.
	Headers map[string]string
	Body    []byte
	// PrevID is the subscription's latest delivery of the event, "" when
	// it has none; PrevGeneration its generation.
	PrevID         string
	PrevGeneration int32
}

// JobDelivery is a delivery a batch creates.
type JobDelivery struct {
	// Event is the event delivered.
	Event *JobEvent
	// Generation is its number among the subscription's deliveries of the
	// event (0 for the first); RedeliveryOf the delivery it follows, "".
	Generation   int32
	RedeliveryOf string
	// Key is its ordering key, "" when the subscription is unordered.
	Key string
}

// JobDeliveries decides which events of a batch get a delivery: those
// the subscription's filter and the job's both match (an evaluation error
// of either, or of the subscription's ordering key, skips the event: a job
// has no dead letter to record it on, and it must not stop on one bad
// event). A matched event of an ordered subscription gets its key, so a
// backfilled or redelivered event takes its place in its key's order (by
// its event, as a replayed dead letter does). A backfill delivers only
// events the subscription has no delivery of (generation 0, so a
// concurrent Record's delivery and the backfill's cannot both exist); a
// redelivery delivers every event, one generation after the latest.
func JobDeliveries(job JobRow, subFilter, orderingKey string, events []JobEvent) []JobDelivery {
	var out []JobDelivery
	for i := range events {
		ev := &events[i]
		if job.Kind == JobBackfill && ev.PrevID != "" {
			continue
		}
		key, ok := jobMatches(subFilter, job.Filter, orderingKey, ev)
		if !ok {
			continue
		}
		d := JobDelivery{Event: ev, Key: key}
		if ev.PrevID != "" {
			d.Generation, d.RedeliveryOf = ev.PrevGeneration+1, ev.PrevID
		}
		out = append(out, d)
	}
	return out
}

// jobMatches evaluates the filters and, for a match, the ordering key.
func jobMatches(subFilter, jobFilter, orderingKey string, ev *JobEvent) (key string, ok bool) {
	if subFilter == "" && jobFilter == "" && orderingKey == "" {
		return "", true
	}
	var ne eventv1.NormalizedEvent
	if err := proto.Unmarshal(ev.Normalized, &ne); err != nil {
		return "", false
	}
	in := &filter.Input{Event: &ne, Platform: ev.Platform, Headers: ev.Headers, Body: ev.Body}
	for _, expr := range []string{subFilter, jobFilter} {
		if expr == "" {
			continue
		}
		p, err := filter.Cached(expr)
		if err != nil {
			return "", false
		}
		if m, _, err := p.Eval(in); err != nil || !m {
			return "", false
		}
	}
	if orderingKey == "" {
		return "", true
	}
	p, err := filter.CachedKey(orderingKey)
	if err != nil {
		return "", false
	}
	k, err := p.EvalKey(in)
	if err != nil {
		return "", false
	}
	return cleanText(k, maxKeyBytes), true
}

// JobAdvance is what a batch writes back to its job: the new cursor and
// counts, and whether it ended.
func JobAdvance(job JobRow, events []JobEvent, created int64, limit int) JobRow {
	job.Scanned += int64(len(events))
	job.Created += created
	if n := len(events); n > 0 {
		at := events[n-1].ReceivedAt
		job.CursorAt, job.CursorID = &at, events[n-1].RowID
	}
	if len(events) < limit {
		job.State = JobDone
	}
	return job
}

// BatchResult says what one batch of a job did.
type BatchResult struct {
	// Worked is true when the batch held the job (it was running and no
	// other ledger was working it) and was not held back by its bound.
	Worked bool
	// Ended is true when the job is no longer running.
	Ended bool
	// Created counts the deliveries the batch created.
	Created int64
}
