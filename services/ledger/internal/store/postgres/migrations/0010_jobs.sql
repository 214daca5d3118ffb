-- 0010_jobs: redelivery and backfill (#15), run as background jobs.
--
-- A subscription may now hold several deliveries of one event: the first
-- (generation 0, made by Record or re-normalization, or by a backfill) and
-- its redeliveries (generation 1, 2, ...), each linked to the delivery it
-- delivers again. The unique key becomes (event, subscription,
-- generation): generation 0 is still unique, so Record and a backfill can
-- never both deliver one event to one subscription, and a duplicate webhook
-- still makes nothing (Record inserts deliveries only for a new event). The
-- new index is a superset of the old key's, so ListDeliveries keeps its
-- index. Building it locks writes to deliveries for the build's duration.
ALTER TABLE deliveries
    ADD COLUMN generation    integer NOT NULL DEFAULT 0,
    ADD COLUMN redelivery_of uuid,
    ADD COLUMN job_id        uuid;

CREATE UNIQUE INDEX deliveries_event_subscription_generation_key
    ON deliveries (event_row_id, subscription, generation);
ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_subscription_key;

-- A job's back-pressure: the pending deliveries jobs made, per
-- subscription. Only job deliveries are in it, so it stays as small as
-- the bound (store.BulkBacklog) times the subscriptions with a job.
CREATE INDEX deliveries_job_pending_idx ON deliveries (subscription) WHERE state = 1 AND job_id IS NOT NULL;

CREATE TABLE jobs (
    job_id             uuid        PRIMARY KEY,
    -- kind: 1 redeliver, 2 backfill (ledger.v1.JobKind).
    kind               smallint    NOT NULL CHECK (kind IN (1, 2)),
    -- No reference: a deleted subscription's jobs stay, failed.
    subscription       text        NOT NULL,
    range_from         timestamptz NOT NULL,
    range_to           timestamptz NOT NULL,
    filter             text        NOT NULL DEFAULT '',
    -- state: 1 running, 2 done, 3 failed, 4 cancelled (ledger.v1.JobState).
    state              smallint    NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3, 4)),
    -- The cursor: the last event scanned, in (received_at, id) order. A
    -- batch moves it in the transaction that creates its deliveries, so
    -- a job resumes after a restart exactly where it stopped.
    cursor_at          timestamptz,
    cursor_id          bigint      NOT NULL DEFAULT 0,
    events_scanned     bigint      NOT NULL DEFAULT 0,
    deliveries_created bigint      NOT NULL DEFAULT 0,
    total_estimate     bigint      NOT NULL DEFAULT 0,
    error              text        NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- The runner's scan: running jobs, oldest first.
CREATE INDEX jobs_running_idx ON jobs (created_at) WHERE state = 1;
-- ListJobs, newest first, overall or of one subscription.
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);
CREATE INDEX jobs_subscription_idx ON jobs (subscription, created_at DESC);
