-- Console (#17): the duration of each attempt, and the breakers
-- dispatchers report (see the PostgreSQL migration 0011).

-- duration_us is how long the handler call took, in microseconds; NULL
-- when no call was made or none was reported.
ALTER TABLE delivery_attempts ADD COLUMN duration_us INTEGER;

-- dispatcher_breakers keeps, per dispatcher, the targets whose breakers it
-- last reported open or half-open in a claim, as JSON arrays of strings.
CREATE TABLE dispatcher_breakers (
    dispatcher_id TEXT    NOT NULL PRIMARY KEY,
    open_targets  TEXT    NOT NULL DEFAULT '[]',
    probe_targets TEXT    NOT NULL DEFAULT '[]',
    reported_at   INTEGER NOT NULL
);
