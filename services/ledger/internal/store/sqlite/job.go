package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/internal/apperr"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// jobColumns lists the columns jobDest scans.
const jobColumns = `job_id, kind, subscription, range_from, range_to, filter, state, cursor_at, cursor_id,
    events_scanned, deliveries_created, total_estimate, error, created_at, updated_at`

// jobDest returns scan destinations for jobColumns.
func jobDest(r *store.JobRow) []any {
	return []any{&r.JobID, &r.Kind, &r.Subscription, micros{&r.From}, micros{&r.To}, &r.Filter, &r.State,
		nullMicros{&r.CursorAt}, &r.CursorID, &r.Scanned, &r.Created, &r.Total, &r.Error,
		micros{&r.CreatedAt}, micros{&r.UpdatedAt}}
}

// jobMatchSQL is the condition, on events e and subscriptions s, of an
// event a job of s scans: normalized, of s's platforms and event types
// (empty JSON arrays match everything, as in Record).
const jobMatchSQL = `e.event_type <> 0
      AND (s.platforms = '[]' OR EXISTS (SELECT 1 FROM json_each(s.platforms) WHERE value = e.platform))
      AND (s.event_types = '[]' OR EXISTS (SELECT 1 FROM json_each(s.event_types) WHERE value = e.event_type))`

// countJobSQL counts the events of a job's range: $1 subscription,
// $2 from, $3 to.
const countJobSQL = `
SELECT count(*) FROM subscriptions s JOIN events e ON e.received_at >= $2 AND e.received_at < $3 AND ` + jobMatchSQL + `
WHERE s.name = $1`

const insertJobSQL = `
INSERT INTO jobs (job_id, kind, subscription, range_from, range_to, filter, total_estimate, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
RETURNING ` + jobColumns

// insertJob creates job in tx, with its total counted; ErrNotFound when
// its subscription is absent. Writes are serialized, so the subscription
// read is the one the job starts with.
func insertJob(ctx context.Context, tx *sql.Tx, j store.JobRow, now int64) (store.JobRow, error) {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE name = $1)`, j.Subscription).Scan(&exists); err != nil {
		return store.JobRow{}, err
	}
	if !exists {
		return store.JobRow{}, apperr.ErrNotFound
	}
	if err := tx.QueryRowContext(ctx, countJobSQL, j.Subscription, j.From.UnixMicro(), j.To.UnixMicro()).Scan(&j.Total); err != nil {
		return store.JobRow{}, err
	}
	var r store.JobRow
	err := tx.QueryRowContext(ctx, insertJobSQL, j.JobID, j.Kind, j.Subscription, j.From.UnixMicro(), j.To.UnixMicro(),
		j.Filter, j.Total, now).Scan(jobDest(&r)...)
	return r, err
}

// RedeliverSubscription creates a redelivery job.
func (s *Store) RedeliverSubscription(ctx context.Context, req *ledgerv1.RedeliverSubscriptionRequest) (*ledgerv1.RedeliverSubscriptionResponse, error) {
	j, err := store.PrepareRedeliver(req, time.Now())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	err = s.write(ctx, fmt.Sprintf("redeliver subscription %q", j.Subscription), func(tx *sql.Tx, now int64) ([]string, error) {
		r, err = insertJob(ctx, tx, j, now)
		return nil, err
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.RedeliverSubscriptionResponse{Job: r.Job()}, nil
}

// createBackfill creates a new subscription's backfill job in tx: from
// startFrom (no earlier than the oldest event) to the subscription's
// creation, now.
func createBackfill(ctx context.Context, tx *sql.Tx, name string, startFrom time.Time, now int64) error {
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(received_at) FROM events`).Scan(&oldest); err != nil {
		return fmt.Errorf("create backfill job: %w", err)
	}
	if oldest.Valid && startFrom.UnixMicro() < oldest.Int64 {
		startFrom = microsTime(oldest.Int64)
	}
	if _, err := insertJob(ctx, tx, store.BackfillJob(name, startFrom, microsTime(now)), now); err != nil {
		return fmt.Errorf("create backfill job: %w", err)
	}
	return nil
}

// GetJob returns one job.
func (s *Store) GetJob(ctx context.Context, req *ledgerv1.GetJobRequest) (*ledgerv1.GetJobResponse, error) {
	id, err := store.PrepareJobID("get job", req.GetJobId())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	err = s.read(ctx, fmt.Sprintf("get job %s", id), func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE job_id = $1`, id).Scan(jobDest(&r)...)
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.GetJobResponse{Job: r.Job()}, nil
}

// ListJobs returns jobs newest first.
func (s *Store) ListJobs(ctx context.Context, req *ledgerv1.ListJobsRequest) (*ledgerv1.ListJobsResponse, error) {
	limit, err := store.PrepareJobList(req)
	if err != nil {
		return nil, err
	}
	resp := &ledgerv1.ListJobsResponse{}
	err = s.read(ctx, "list jobs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE $1 = '' OR subscription = $1
ORDER BY created_at DESC, job_id DESC LIMIT $2`, req.GetSubscription(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r store.JobRow
			if err := rows.Scan(jobDest(&r)...); err != nil {
				return err
			}
			resp.Jobs = append(resp.Jobs, r.Job())
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// CancelJob stops a running job.
func (s *Store) CancelJob(ctx context.Context, req *ledgerv1.CancelJobRequest) (*ledgerv1.CancelJobResponse, error) {
	id, err := store.PrepareJobID("cancel job", req.GetJobId())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	err = s.write(ctx, fmt.Sprintf("cancel job %s", id), func(tx *sql.Tx, now int64) ([]string, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET state = 4, updated_at = $2 WHERE job_id = $1 AND state = 1`, id, now); err != nil {
			return nil, err
		}
		return nil, tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE job_id = $1`, id).Scan(jobDest(&r)...)
	})
	if err != nil {
		return nil, err
	}
	return &ledgerv1.CancelJobResponse{Job: r.Job()}, nil
}

// RunningJobs returns the running jobs' ids, oldest first.
func (s *Store) RunningJobs(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.read(ctx, "running jobs", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT job_id FROM jobs WHERE state = 1 ORDER BY created_at, job_id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// jobSubscriptionSQL reads what a batch needs of its subscription, with
// its pending job deliveries (the bound's count, on
// deliveries_job_pending_idx).
const jobSubscriptionSQL = `
SELECT s.filter, coalesce(s.ordering_key, ''), s.max_concurrency,
    (SELECT count(*) FROM deliveries d WHERE d.subscription = s.name AND d.state = 1 AND d.job_id IS NOT NULL)
FROM subscriptions s WHERE s.name = $1`

// jobEventsSQL reads a batch, as PostgreSQL's: $1 from, $2 to, $3 $4 the
// cursor ($3 NULL before the first batch), $5 subscription, $6 limit.
const jobEventsSQL = `
SELECT e.id, e.received_at, e.platform, e.source, e.event_id, e.normalized, r.headers, r.body,
    coalesce((SELECT d.delivery_id FROM deliveries d WHERE d.event_row_id = e.id AND d.subscription = s.name
              ORDER BY d.generation DESC LIMIT 1), ''),
    coalesce((SELECT max(d.generation) FROM deliveries d WHERE d.event_row_id = e.id AND d.subscription = s.name), 0)
FROM subscriptions s
JOIN events e ON e.received_at >= $1 AND e.received_at < $2
    AND ($3 IS NULL OR e.received_at > $3 OR (e.received_at = $3 AND e.id > $4))
    AND ` + jobMatchSQL + `
JOIN receipts r ON r.receipt_id = e.receipt_id
WHERE s.name = $5
ORDER BY e.received_at, e.id
LIMIT $6`

// insertJobDeliverySQL creates one delivery of a batch, due now; a
// conflict creates nothing (see PostgreSQL's).
const insertJobDeliverySQL = `
INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id,
    next_attempt_at, created_at, updated_at, generation, redelivery_of, job_id, ordering_key)
VALUES (` + uuidSQL + `, $1, $2, $3, $4, $5, $6, $6, $6, $7, nullif($8, ''), $9, nullif($10, ''))
ON CONFLICT (event_row_id, subscription, generation) DO NOTHING`

const advanceJobSQL = `
UPDATE jobs SET state = $2, cursor_at = $3, cursor_id = $4, events_scanned = $5, deliveries_created = $6,
    error = $7, updated_at = $8
WHERE job_id = $1`

// RunJobBatch runs one batch of a job. Writes are serialized on the one
// writer, so no other batch of the job can run meanwhile.
func (s *Store) RunJobBatch(ctx context.Context, jobID string) (store.BatchResult, error) {
	var res store.BatchResult
	err := s.write(ctx, fmt.Sprintf("job %s", jobID), func(tx *sql.Tx, now int64) ([]string, error) {
		res = store.BatchResult{}
		var job store.JobRow
		err := tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE job_id = $1 AND state = 1`, jobID).Scan(jobDest(&job)...)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		var subFilter, orderingKey string
		var maxConcurrency int32
		var pending int64
		err = tx.QueryRowContext(ctx, jobSubscriptionSQL, job.Subscription).Scan(&subFilter, &orderingKey, &maxConcurrency, &pending)
		if errors.Is(err, sql.ErrNoRows) {
			job.State, job.Error = store.JobFailed, store.JobFailedSubscriptionGone
			res.Ended = true
			return nil, advanceJob(ctx, tx, job, now)
		}
		if err != nil {
			return nil, err
		}
		room := store.BulkBacklog(maxConcurrency) - pending
		if room <= 0 {
			return nil, nil
		}
		limit := int(min(int64(store.JobBatch), room))
		events, err := readJobEvents(ctx, tx, job, limit)
		if err != nil {
			return nil, err
		}
		for _, d := range store.JobDeliveries(job, subFilter, orderingKey, events) {
			e := d.Event
			r, err := tx.ExecContext(ctx, insertJobDeliverySQL, job.Subscription, e.RowID, e.Platform, e.Source, e.EventID,
				now, d.Generation, d.RedeliveryOf, job.JobID, d.Key)
			if err != nil {
				return nil, err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return nil, err
			}
			res.Created += n
		}
		job = store.JobAdvance(job, events, res.Created, limit)
		res.Worked, res.Ended = true, job.State != store.JobRunning
		if err := advanceJob(ctx, tx, job, now); err != nil {
			return nil, err
		}
		if res.Created > 0 {
			return []string{job.Subscription}, nil
		}
		return nil, nil
	})
	if err != nil {
		return store.BatchResult{}, err
	}
	return res, nil
}

func readJobEvents(ctx context.Context, tx *sql.Tx, job store.JobRow, limit int) ([]store.JobEvent, error) {
	rows, err := tx.QueryContext(ctx, jobEventsSQL, job.From.UnixMicro(), job.To.UnixMicro(), unixMicros(job.CursorAt),
		job.CursorID, job.Subscription, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []store.JobEvent
	for rows.Next() {
		var e store.JobEvent
		if err := rows.Scan(&e.RowID, micros{&e.ReceivedAt}, &e.Platform, &e.Source, &e.EventID, &e.Normalized,
			jsonCol{&e.Headers}, &e.Body, &e.PrevID, &e.PrevGeneration); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

func advanceJob(ctx context.Context, tx *sql.Tx, j store.JobRow, now int64) error {
	_, err := tx.ExecContext(ctx, advanceJobSQL, j.JobID, j.State, unixMicros(j.CursorAt), j.CursorID, j.Scanned, j.Created, j.Error, now)
	return err
}
