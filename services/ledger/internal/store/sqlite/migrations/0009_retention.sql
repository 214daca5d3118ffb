-- 0009_retention (#19): what the embedded store's retention passes need.
-- Times in unix microseconds.
--
-- dedup_keys keeps the key of an event that retention deleted, for the
-- dedup horizon after its receipt, so a platform's late retry of it is
-- still answered duplicate (with the first receipt's id). Keys of stored
-- events live in events' own unique key; a key moves here only when its
-- event is deleted, so Record writes nothing more than before and reads
-- this table only for a key that is not in events.
CREATE TABLE dedup_keys (
    platform    TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    receipt_id  TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (platform, event_id, source)
) WITHOUT ROWID;
-- The pruning pass's range.
CREATE INDEX dedup_keys_received_at_idx ON dedup_keys (received_at);

-- body_dropped_at is when retention cleared the receipt's body and
-- headers (body x'', headers '{}'); NULL while they are kept. Readers show
-- such a receipt with an empty body; re-normalization skips it.
ALTER TABLE receipts ADD COLUMN body_dropped_at INTEGER;
-- The bodies pass's range: receipts whose body is still there, by age.
CREATE INDEX receipts_body_received_at_idx ON receipts (received_at) WHERE body_dropped_at IS NULL;
-- Deleting a receipt checks that no event references it (the foreign
-- key), and the passes find a receipt's events: without this index each
-- would scan events.
CREATE INDEX events_receipt_idx ON events (receipt_id);
