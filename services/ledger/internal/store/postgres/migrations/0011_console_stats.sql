-- Console (#17): the duration of each attempt, and the breakers
-- dispatchers report.

-- duration_us is how long the handler call took, in microseconds, as the
-- dispatcher measured it; NULL when no call was made or none was reported
-- (rows written before this migration). Nullable with no default: adding
-- it rewrites nothing.
ALTER TABLE delivery_attempts ADD COLUMN duration_us bigint;

-- dispatcher_breakers keeps, per dispatcher, the targets whose breakers it
-- last reported open (skip_targets) or half-open (probe_targets) in a
-- claim. One row per dispatcher, rewritten only when its lists change or
-- its report is 30 s old, so claims do not write it each time. In a table,
-- not in each ledger's memory, so that every replica answers the same.
CREATE TABLE dispatcher_breakers (
    dispatcher_id text        PRIMARY KEY,
    open_targets  text[]      NOT NULL DEFAULT '{}',
    probe_targets text[]      NOT NULL DEFAULT '{}',
    reported_at   timestamptz NOT NULL
);
