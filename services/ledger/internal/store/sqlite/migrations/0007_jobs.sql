-- 0007_jobs: the SQLite dialect of postgres/migrations/0010 (redelivery
-- and backfill jobs, several deliveries per event and subscription).
--
-- SQLite cannot drop a table constraint, so deliveries is rebuilt, by the
-- procedure of SQLite's documentation ("Making Other Kinds Of Table Schema
-- Changes"): the migration runner turns foreign keys off around this
-- transaction and checks them (PRAGMA foreign_key_check) before it
-- commits. The columns are those of 0002, 0005 and 0006 (ordering_key),
-- plus generation, redelivery_of and job_id; the unique key is (event,
-- subscription, generation).
CREATE TABLE deliveries_new (
    delivery_id     TEXT    NOT NULL PRIMARY KEY,
    subscription    TEXT    NOT NULL,
    event_row_id    INTEGER NOT NULL REFERENCES events (id),
    platform        TEXT    NOT NULL,
    source          TEXT    NOT NULL DEFAULT '',
    event_id        TEXT    NOT NULL,
    -- state: 1 pending, 2 delivered, 3 dead, 4 cancelled (ledger.v1.DeliveryState).
    state           INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3, 4)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_token     TEXT,
    leased_by       TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    replays         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    dead_at         INTEGER,
    ordering_key    TEXT,
    -- 0 for the first delivery of an event to a subscription, n for its
    -- n-th redelivery.
    generation      INTEGER NOT NULL DEFAULT 0,
    redelivery_of   TEXT,
    job_id          TEXT,
    CONSTRAINT deliveries_event_subscription_generation_key UNIQUE (event_row_id, subscription, generation)
);

INSERT INTO deliveries_new (delivery_id, subscription, event_row_id, platform, source, event_id, state, attempts,
    next_attempt_at, lease_token, leased_by, last_error, replays, created_at, updated_at, dead_at, ordering_key)
SELECT delivery_id, subscription, event_row_id, platform, source, event_id, state, attempts,
    next_attempt_at, lease_token, leased_by, last_error, replays, created_at, updated_at, dead_at, ordering_key
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

-- The indexes of 0002 and 0006, and the jobs' back-pressure index (see
-- PostgreSQL's).
CREATE INDEX deliveries_due_idx ON deliveries (subscription, next_attempt_at, delivery_id) WHERE state = 1;
CREATE INDEX deliveries_leased_idx ON deliveries (subscription) WHERE lease_token IS NOT NULL;
CREATE INDEX deliveries_dead_idx ON deliveries (dead_at DESC, delivery_id DESC) WHERE state = 3;
CREATE INDEX deliveries_ordering_idx ON deliveries (subscription, ordering_key, event_row_id)
    WHERE state = 1 AND ordering_key IS NOT NULL;
CREATE INDEX deliveries_job_pending_idx ON deliveries (subscription) WHERE state = 1 AND job_id IS NOT NULL;

CREATE TABLE jobs (
    job_id             TEXT    NOT NULL PRIMARY KEY,
    kind               INTEGER NOT NULL CHECK (kind IN (1, 2)),
    subscription       TEXT    NOT NULL,
    range_from         INTEGER NOT NULL,
    range_to           INTEGER NOT NULL,
    filter             TEXT    NOT NULL DEFAULT '',
    state              INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3, 4)),
    cursor_at          INTEGER,
    cursor_id          INTEGER NOT NULL DEFAULT 0,
    events_scanned     INTEGER NOT NULL DEFAULT 0,
    deliveries_created INTEGER NOT NULL DEFAULT 0,
    total_estimate     INTEGER NOT NULL DEFAULT 0,
    error              TEXT    NOT NULL DEFAULT '',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE INDEX jobs_running_idx ON jobs (created_at) WHERE state = 1;
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);
CREATE INDEX jobs_subscription_idx ON jobs (subscription, created_at DESC);
