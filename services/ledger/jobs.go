package ledger

import (
	"context"
	"log/slog"
	"time"

	"github.com/hookmesh/hookmesh/services/ledger/internal/store"
)

// JobPoll is how often the job runner looks for work: running jobs (new
// ones, or ones another ledger stopped working) and room under a job's
// bound (store.BulkBacklog) as the dispatchers deliver its deliveries.
const JobPoll = 250 * time.Millisecond

// jobCallTimeout bounds each call of the runner to the store, so a
// database that stops answering cannot hold the runner forever.
const jobCallTimeout = time.Minute

// jobErrorPause is how long the runner waits after it could not list the
// running jobs (the database down): a warning four times a second would
// say nothing more than one every few seconds.
const jobErrorPause = 5 * time.Second

// runJobs works the background jobs (redeliveries and backfills) until ctx
// is done: at every poll, each running job's batches one after another
// while they make progress. A batch is one transaction and moves the job's
// cursor, so a job resumes after a restart where it stopped; on a shared
// PostgreSQL database every ledger runs this loop, and a job's row lock
// keeps any two from working the same job at once. An error is logged and
// the job is tried again at the next poll.
func runJobs(ctx context.Context, st store.Store, log *slog.Logger) {
	t := time.NewTicker(JobPoll)
	defer t.Stop()
	for {
		lctx, cancel := context.WithTimeout(ctx, jobCallTimeout)
		ids, err := st.RunningJobs(lctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			log.Warn("list running jobs", slog.String("error", err.Error()))
			select {
			case <-ctx.Done():
				return
			case <-time.After(jobErrorPause):
			}
		}
		for _, id := range ids {
			workJob(ctx, st, id, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// workJob runs batches of one job while they make progress.
func workJob(ctx context.Context, st store.Store, id string, log *slog.Logger) {
	for ctx.Err() == nil {
		bctx, cancel := context.WithTimeout(ctx, jobCallTimeout)
		res, err := st.RunJobBatch(bctx, id)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("job batch failed; retried at the next poll", slog.String("job_id", id), slog.String("error", err.Error()))
			}
			return
		}
		if res.Ended {
			log.Info("job ended", slog.String("job_id", id))
		}
		if !res.Worked || res.Ended {
			return
		}
	}
}
