-- 0003_renormalize: the SQLite dialect of postgres/migrations/0003.
-- renormalize_at is in unix microseconds, NULL when not scheduled.

ALTER TABLE events ADD COLUMN renormalize_at INTEGER;
ALTER TABLE events ADD COLUMN renormalize_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN renormalize_token TEXT;

CREATE INDEX events_renormalize_at_idx ON events (renormalize_at) WHERE renormalize_at IS NOT NULL;
