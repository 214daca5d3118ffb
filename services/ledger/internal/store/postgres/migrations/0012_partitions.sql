-- 0012_partitions: events and receipts partitioned per UTC day, so that
-- retention drops whole partitions instead of deleting rows (#19).
--
-- An event's id now encodes the UTC day it was received: the day number
-- since 1970-01-01 shifted left by 36 bits, plus the low 36 bits of
-- event_seq (68 billion events a day before ids of one day could repeat).
-- Day d owns the ids [d << 36, (d + 1) << 36), so the range partition of
-- day d holds exactly the events received that day, ids still grow within
-- a day, and ids stay below 2^53 (exact in JSON) until the year 2300. A
-- receipt carries part_id, the first id of its events' day, so a receipt
-- and its events live in partitions of the same day.
--
-- A unique constraint on a partitioned table must include the partition
-- key, so (platform, event_id, source) can no longer be unique on events:
-- dedup moves to dedup_keys, one small row per event key, which Record
-- inserts first (ON CONFLICT DO NOTHING, as it did on events). Retention
-- keeps a key for the dedup horizon even after its event or body is gone,
-- so a platform's late retry is still answered duplicate, and never removes
-- the key of an event still stored. dedup_keys is also how GetEvent and
-- re-normalization find an event by its key.
--
-- The existing tables become the partitions events_legacy and
-- receipts_legacy (ids below 1 << 36: every id the identity ever gave);
-- their indexes become the partitions' indexes, so nothing is rebuilt but
-- dedup_keys. The default partitions events_kept and receipts_kept hold
-- what retention keeps from a dropped day (pending deliveries, dead
-- letters and what they need) and events recorded for a day that has no
-- partition (received long ago). Day partitions are created ahead by the
-- ledger (Migrate and every hour: EnsurePartitions).
--
-- Upgrade: the migration holds its locks until it commits, so Records wait
-- for it (see docs/operations.md for the measured duration), and earlier
-- ledgers cannot Record into this layout (their INSERT has no id):
-- replace every ledger replica together.

ALTER TABLE events RENAME TO events_legacy;
ALTER INDEX events_pkey RENAME TO events_legacy_pkey;
ALTER INDEX events_platform_id_idx RENAME TO events_legacy_platform_id_idx;
ALTER INDEX events_event_type_id_idx RENAME TO events_legacy_event_type_id_idx;
ALTER INDEX events_received_at_idx RENAME TO events_legacy_received_at_idx;
ALTER INDEX events_renormalize_at_idx RENAME TO events_legacy_renormalize_at_idx;
ALTER INDEX events_xid_id_idx RENAME TO events_legacy_xid_id_idx;
ALTER TABLE events_legacy ALTER COLUMN id DROP IDENTITY;

ALTER TABLE receipts RENAME TO receipts_legacy;
ALTER INDEX receipts_pkey RENAME TO receipts_legacy_pkey;
-- A constant default: kept in the catalog, no rewrite. IF NOT EXISTS: the
-- optional online pre-step of docs/operations.md adds it (and CHECK
-- constraints that spare the ATTACHes below their scans) beforehand.
ALTER TABLE receipts_legacy ADD COLUMN IF NOT EXISTS part_id bigint NOT NULL DEFAULT 0;

CREATE SEQUENCE event_seq;

-- Same columns in the same order (rows move between partitions with
-- SELECT *), with the lz4 compression of 0005.
CREATE TABLE events (LIKE events_legacy INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE)
    PARTITION BY RANGE (id);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (id);
CREATE INDEX events_platform_id_idx ON events (platform, id);
CREATE INDEX events_event_type_id_idx ON events (event_type, id);
CREATE INDEX events_received_at_idx ON events (received_at);
CREATE INDEX events_renormalize_at_idx ON events (renormalize_at) WHERE renormalize_at IS NOT NULL;
CREATE INDEX events_xid_id_idx ON events (xid, id);

-- receipts has no index of its own: each partition has a primary key on
-- receipt_id (a parent index would have to include part_id, and would be
-- rebuilt on receipts_legacy). Readers give part_id, so one partition's
-- index is probed.
CREATE TABLE receipts (LIKE receipts_legacy INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE)
    PARTITION BY RANGE (part_id);
ALTER TABLE receipts ALTER COLUMN part_id DROP DEFAULT;

CREATE TABLE dedup_keys (
    platform     text        NOT NULL,
    event_id     text        NOT NULL,
    source       text        NOT NULL,
    event_row_id bigint      NOT NULL,
    receipt_id   uuid        NOT NULL,
    received_at  timestamptz NOT NULL
);
INSERT INTO dedup_keys (platform, event_id, source, event_row_id, receipt_id, received_at)
SELECT platform, event_id, source, id, receipt_id, received_at FROM events_legacy;
-- The dedup identity, in the order of the old unique key: (platform,
-- event_id) is a prefix for GetEvent without a source.
ALTER TABLE dedup_keys ADD CONSTRAINT dedup_keys_pkey PRIMARY KEY (platform, event_id, source);
-- Retention's scan of expired keys.
CREATE INDEX dedup_keys_received_at_idx ON dedup_keys (received_at);
ALTER TABLE events_legacy DROP CONSTRAINT events_platform_event_id_source_key;

ALTER TABLE events ATTACH PARTITION events_legacy FOR VALUES FROM (MINVALUE) TO (68719476736);
ALTER TABLE receipts ATTACH PARTITION receipts_legacy FOR VALUES FROM (MINVALUE) TO (68719476736);
CREATE TABLE events_kept PARTITION OF events DEFAULT;
CREATE TABLE receipts_kept PARTITION OF receipts (PRIMARY KEY (receipt_id)) DEFAULT;
