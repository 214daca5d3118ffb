-- 0006_event_stream: positions for WatchEvents, the event stream.
-- events.id is taken when a row is inserted, but the row appears when its
-- transaction commits, and concurrent Records (two group-commit workers per
-- ledger, several ledgers) commit in any order: a reader of "id > last id"
-- would skip a smaller id that commits late. So each event also keeps the
-- id of the transaction that recorded it, the stream is ordered by
-- (xid, id), and readers take only events whose transaction is older than
-- every transaction still running (pg_snapshot_xmin): no event can commit
-- behind a position a reader has passed. See the ledger's README, "Event
-- stream".
--
-- Rows recorded before this migration get xid 0 (a constant default is kept
-- in the catalog: no table rewrite); they committed long ago and come
-- first, in id order. Every new row then takes its transaction's id.
ALTER TABLE events ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE events ALTER COLUMN xid SET DEFAULT pg_current_xact_id();

-- The stream's scan, in its order; also max(xid) for its wake-ups. The one
-- index the stream adds to Record. Built in the migration's transaction:
-- on a large table, Records wait for the build.
CREATE INDEX events_xid_id_idx ON events (xid, id);

-- event_horizon is the greatest stream position of an event ever deleted
-- (zero: none). Whatever deletes events (retention) advances it in the same
-- transaction, so a reader whose cursor is before it is refused with
-- OUT_OF_RANGE instead of silently missing what was deleted. One row.
CREATE TABLE event_horizon (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    xid       xid8    NOT NULL DEFAULT '0',
    id        bigint  NOT NULL DEFAULT 0
);
INSERT INTO event_horizon DEFAULT VALUES;
