-- 0004_event_stream: the SQLite dialect of postgres/migrations/0006. The
-- single writer commits events in id order, so the stream is ordered by id
-- alone and needs no new column or index (the primary key serves).
--
-- event_horizon is the greatest id of an event ever deleted (0: none).
-- Whatever deletes events (retention) advances it in the same transaction,
-- so a reader whose cursor is before it is refused with OUT_OF_RANGE
-- instead of silently missing what was deleted. One row.
CREATE TABLE event_horizon (
    singleton INTEGER NOT NULL PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
    id        INTEGER NOT NULL DEFAULT 0
);
INSERT INTO event_horizon DEFAULT VALUES;
