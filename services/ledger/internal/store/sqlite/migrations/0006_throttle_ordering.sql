-- 0006_throttle_ordering: the SQLite dialect of
-- postgres/migrations/0009. Leases stay in the deliveries row here, so
-- the claim's "is this key in flight" probe reads the same index as the
-- head check. at is in unix microseconds.
ALTER TABLE deliveries ADD COLUMN ordering_key TEXT;
CREATE INDEX deliveries_ordering_idx ON deliveries (subscription, ordering_key, event_row_id)
    WHERE state = 1 AND ordering_key IS NOT NULL;

CREATE TABLE rate_buckets (
    subscription TEXT    NOT NULL PRIMARY KEY,
    tokens       REAL    NOT NULL,
    at           INTEGER NOT NULL
);
