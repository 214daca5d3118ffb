package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	ledgerv1 "github.com/hookmesh/hookmesh/gen/go/hookmesh/ledger/v1"
	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// jobCols lists the columns jobDest scans.
const jobCols = `job_id::text, kind, subscription, range_from, range_to, filter, state, cursor_at, cursor_id,
    events_scanned, deliveries_created, total_estimate, error, created_at, updated_at`

// jobDest returns scan destinations for jobCols.
func jobDest(r *store.JobRow) []any {
	return []any{&r.JobID, &r.Kind, &r.Subscription, &r.From, &r.To, &r.Filter, &r.State, &r.CursorAt, &r.CursorID,
		&r.Scanned, &r.Created, &r.Total, &r.Error, &r.CreatedAt, &r.UpdatedAt}
}

// jobMatchSQL is the condition, on events e and subscriptions s, of an
// event a job of s scans: normalized, of s's platforms and event types.
const jobMatchSQL = `e.event_type <> 0
      AND (cardinality(s.platforms) = 0 OR e.platform = ANY (s.platforms))
      AND (cardinality(s.event_types) = 0 OR e.event_type = ANY (s.event_types))`

// insertJobSQL creates a job of subscription $3, locked FOR KEY SHARE as
// Record locks the subscriptions it delivers to (a concurrent delete
// either commits first, and no row is inserted, or waits), with its total
// estimate counted over its range. A backfill ($7) ends at the
// subscription's creation and starts no earlier than the oldest event.
// $1 id, $2 kind, $3 subscription, $4 from, $5 to, $6 filter, $7 backfill.
var insertJobSQL = `
WITH s AS (
    SELECT s.name, s.platforms, s.event_types,
        CASE WHEN $7::boolean THEN greatest($4::timestamptz, coalesce((SELECT min(received_at) FROM events), $4::timestamptz))
            ELSE $4::timestamptz END AS range_from,
        CASE WHEN $7::boolean THEN s.created_at ELSE $5::timestamptz END AS range_to
    FROM subscriptions s WHERE s.name = $3
    FOR KEY SHARE OF s
)
INSERT INTO jobs (job_id, kind, subscription, range_from, range_to, filter, total_estimate)
SELECT $1::uuid, $2, s.name, s.range_from, s.range_to, $6,
    (SELECT count(*) FROM events e WHERE e.received_at >= s.range_from AND e.received_at < s.range_to AND ` + jobMatchSQL + `)
FROM s
RETURNING ` + jobCols

// RedeliverSubscription creates a redelivery job.
func (s *Store) RedeliverSubscription(ctx context.Context, req *ledgerv1.RedeliverSubscriptionRequest) (*ledgerv1.RedeliverSubscriptionResponse, error) {
	j, err := store.PrepareRedeliver(req, time.Now())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	err = s.pool.QueryRow(ctx, insertJobSQL, j.JobID, j.Kind, j.Subscription, j.From, j.To, j.Filter, false).Scan(jobDest(&r)...)
	if err != nil {
		return nil, mapErr(fmt.Sprintf("redeliver subscription %q", j.Subscription), err)
	}
	return &ledgerv1.RedeliverSubscriptionResponse{Job: r.Job()}, nil
}

// GetJob returns one job.
func (s *Store) GetJob(ctx context.Context, req *ledgerv1.GetJobRequest) (*ledgerv1.GetJobResponse, error) {
	id, err := store.PrepareJobID("get job", req.GetJobId())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	if err := s.pool.QueryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE job_id = $1`, id).Scan(jobDest(&r)...); err != nil {
		return nil, mapErr(fmt.Sprintf("get job %s", id), err)
	}
	return &ledgerv1.GetJobResponse{Job: r.Job()}, nil
}

// ListJobs returns jobs newest first.
func (s *Store) ListJobs(ctx context.Context, req *ledgerv1.ListJobsRequest) (*ledgerv1.ListJobsResponse, error) {
	limit, err := store.PrepareJobList(req)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+jobCols+` FROM jobs WHERE $1 = '' OR subscription = $1
ORDER BY created_at DESC, job_id DESC LIMIT $2`, req.GetSubscription(), limit)
	if err != nil {
		return nil, mapErr("list jobs", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*ledgerv1.Job, error) {
		var r store.JobRow
		err := row.Scan(jobDest(&r)...)
		return r.Job(), err
	})
	if err != nil {
		return nil, mapErr("list jobs", err)
	}
	return &ledgerv1.ListJobsResponse{Jobs: list}, nil
}

// cancelJobSQL cancels a running job (its row lock waits for a batch in
// progress) and returns the job as it is then.
const cancelJobSQL = `
WITH up AS (
    UPDATE jobs SET state = 4, updated_at = now() WHERE job_id = $1 AND state = 1 RETURNING ` + jobCols + `
)
SELECT * FROM up
UNION ALL
SELECT ` + jobCols + ` FROM jobs WHERE job_id = $1 AND NOT EXISTS (SELECT 1 FROM up)`

// CancelJob stops a running job.
func (s *Store) CancelJob(ctx context.Context, req *ledgerv1.CancelJobRequest) (*ledgerv1.CancelJobResponse, error) {
	id, err := store.PrepareJobID("cancel job", req.GetJobId())
	if err != nil {
		return nil, err
	}
	var r store.JobRow
	if err := s.pool.QueryRow(ctx, cancelJobSQL, id).Scan(jobDest(&r)...); err != nil {
		return nil, mapErr(fmt.Sprintf("cancel job %s", id), err)
	}
	return &ledgerv1.CancelJobResponse{Job: r.Job()}, nil
}

// RunningJobs returns the running jobs' ids, oldest first.
func (s *Store) RunningJobs(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT job_id::text FROM jobs WHERE state = 1 ORDER BY created_at, job_id`)
	if err != nil {
		return nil, mapErr("running jobs", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, mapErr("running jobs", err)
	}
	return ids, nil
}

// jobSubscriptionSQL reads what a batch needs of its subscription, locked
// as insertJobSQL locks it, with its pending job deliveries (the bound's
// count, on deliveries_job_pending_idx).
const jobSubscriptionSQL = `
SELECT s.platforms, s.event_types, s.filter, coalesce(s.ordering_key, ''), s.max_concurrency,
    (SELECT count(*) FROM deliveries d WHERE d.subscription = s.name AND d.state = 1 AND d.job_id IS NOT NULL)
FROM subscriptions s WHERE s.name = $1
FOR KEY SHARE OF s`

// jobEventsSQL reads a batch: the events after the cursor ($3, $4; $3
// NULL before the first batch) in [$1, $2) that the subscription $5 keeps,
// in (received_at, id) order, at most $6, with their receipts and the
// subscription's latest delivery of each.
var jobEventsSQL = `
SELECT e.id, e.received_at, e.platform, e.source, e.event_id, e.normalized, coalesce(r.headers, '{}'), coalesce(r.body, ''::bytea),
    coalesce(p.delivery_id::text, ''), coalesce(p.generation, 0)
FROM subscriptions s
JOIN events e ON e.received_at >= $1 AND e.received_at < $2
    AND ($3::timestamptz IS NULL OR (e.received_at, e.id) > ($3::timestamptz, $4::bigint))
    AND ` + jobMatchSQL + `
` + receiptJoinSQL + `
LEFT JOIN LATERAL (
    SELECT d.delivery_id, d.generation FROM deliveries d
    WHERE d.event_row_id = e.id AND d.subscription = s.name
    ORDER BY d.generation DESC LIMIT 1
) p ON true
WHERE s.name = $5
ORDER BY e.received_at, e.id
LIMIT $6`

// insertJobDeliveriesSQL creates a batch's deliveries, due now; a
// conflict (a delivery of that generation made meanwhile, e.g. by Record
// for a backfilled event) creates nothing.
// $1 subscription, $2 job id, then parallel arrays: $3 event row ids,
// $4 platforms, $5 sources, $6 event ids, $7 generations, $8 redelivered
// delivery ids (empty for none), $9 ordering keys (empty for none).
var insertJobDeliveriesSQL = `
INSERT INTO deliveries (delivery_id, subscription, event_row_id, platform, source, event_id, next_attempt_at,
    generation, redelivery_of, job_id, ordering_key)
SELECT ` + uuidV7SQL + `, $1, u.row_id, u.platform, u.source, u.event_id, now(), u.generation,
    nullif(u.prev, '')::uuid, $2::uuid, nullif(u.key, '')
FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::integer[], $8::text[], $9::text[])
    AS u(row_id, platform, source, event_id, generation, prev, key)
ON CONFLICT (event_row_id, subscription, generation) DO NOTHING`

const advanceJobSQL = `
UPDATE jobs SET state = $2, cursor_at = $3, cursor_id = $4, events_scanned = $5, deliveries_created = $6,
    error = $7, updated_at = now()
WHERE job_id = $1`

// RunJobBatch runs one batch of a job.
func (s *Store) RunJobBatch(ctx context.Context, jobID string) (store.BatchResult, error) {
	var res store.BatchResult
	var sub string
	op := fmt.Sprintf("job %s", jobID)
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{}, func(tx pgx.Tx) error {
		res = store.BatchResult{}
		var job store.JobRow
		// SKIP LOCKED: another ledger working this job holds the row; this
		// one leaves it to that one.
		err := tx.QueryRow(ctx, `SELECT `+jobCols+` FROM jobs WHERE job_id = $1 AND state = 1 FOR UPDATE SKIP LOCKED`,
			jobID).Scan(jobDest(&job)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		sub = job.Subscription
		var platforms []string
		var eventTypes []int32
		var subFilter, orderingKey string
		var maxConcurrency int32
		var pending int64
		err = tx.QueryRow(ctx, jobSubscriptionSQL, job.Subscription).Scan(&platforms, &eventTypes, &subFilter, &orderingKey,
			&maxConcurrency, &pending)
		if errors.Is(err, pgx.ErrNoRows) {
			job.State, job.Error = store.JobFailed, store.JobFailedSubscriptionGone
			res.Ended = true
			return s.advanceJob(ctx, tx, job)
		}
		if err != nil {
			return err
		}
		room := store.BulkBacklog(maxConcurrency) - pending
		if room <= 0 {
			return nil
		}
		limit := int(min(int64(store.JobBatch), room))
		rows, err := tx.Query(ctx, jobEventsSQL, job.From, job.To, job.CursorAt, job.CursorID, job.Subscription, limit)
		if err != nil {
			return err
		}
		events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.JobEvent, error) {
			var e store.JobEvent
			err := row.Scan(&e.RowID, &e.ReceivedAt, &e.Platform, &e.Source, &e.EventID, &e.Normalized, &e.Headers, &e.Body,
				&e.PrevID, &e.PrevGeneration)
			return e, err
		})
		if err != nil {
			return err
		}
		ds := store.JobDeliveries(job, subFilter, orderingKey, events)
		if len(ds) > 0 {
			var ids []int64
			var plats, sources, eventIDs, prevs, keys []string
			var gens []int32
			for _, d := range ds {
				ids = append(ids, d.Event.RowID)
				plats, sources, eventIDs = append(plats, d.Event.Platform), append(sources, d.Event.Source), append(eventIDs, d.Event.EventID)
				gens, prevs, keys = append(gens, d.Generation), append(prevs, d.RedeliveryOf), append(keys, d.Key)
			}
			tag, err := tx.Exec(ctx, insertJobDeliveriesSQL, job.Subscription, job.JobID, ids, plats, sources, eventIDs, gens, prevs,
				keys)
			if err != nil {
				return err
			}
			res.Created = tag.RowsAffected()
		}
		job = store.JobAdvance(job, events, res.Created, limit)
		res.Worked, res.Ended = true, job.State != store.JobRunning
		return s.advanceJob(ctx, tx, job)
	})
	if err != nil {
		return store.BatchResult{}, mapErr(op, err)
	}
	if res.Created > 0 {
		s.notify.signal([]string{sub})
	}
	return res, nil
}

func (s *Store) advanceJob(ctx context.Context, tx pgx.Tx, j store.JobRow) error {
	_, err := tx.Exec(ctx, advanceJobSQL, j.JobID, j.State, j.CursorAt, j.CursorID, j.Scanned, j.Created, j.Error)
	return err
}

// createBackfill creates a new subscription's backfill job in tx.
func createBackfill(ctx context.Context, tx pgx.Tx, name string, startFrom time.Time) error {
	j := store.BackfillJob(name, startFrom, startFrom)
	var r store.JobRow
	err := tx.QueryRow(ctx, insertJobSQL, j.JobID, j.Kind, j.Subscription, j.From, j.To, "", true).Scan(jobDest(&r)...)
	if err != nil {
		return fmt.Errorf("create backfill job: %w", err)
	}
	return nil
}
