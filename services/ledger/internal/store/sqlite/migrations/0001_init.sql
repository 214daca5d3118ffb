-- 0001_init: receipts (the raw requests) and events (one per platform,
-- source and event id). The SQLite dialect of postgres/migrations/0001:
-- same tables, columns and semantics. Types: uuids are canonical lower-case
-- TEXT, timestamps INTEGER unix microseconds (PostgreSQL's precision; they
-- compare and order as times), json objects TEXT, bytes BLOB.

CREATE TABLE receipts (
    receipt_id  TEXT    NOT NULL PRIMARY KEY,
    platform    TEXT    NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    event_id    TEXT    NOT NULL,
    -- headers as the edge gave them: lower-case names, credentials redacted.
    headers     TEXT    NOT NULL DEFAULT '{}',
    -- body is the exact bytes received; signatures are over these bytes.
    body        BLOB    NOT NULL,
    remote_addr TEXT    NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
);

CREATE TABLE events (
    -- id orders events and is the list cursor. AUTOINCREMENT: an id is
    -- never reused, like PostgreSQL's identity, so a cursor stays valid.
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    platform            TEXT    NOT NULL,
    source              TEXT    NOT NULL DEFAULT '',
    event_id            TEXT    NOT NULL,
    -- Not deferred: Record inserts the receipt first. (A deferred key would
    -- make every receipt insert scan events for the rows it satisfies.)
    receipt_id          TEXT    NOT NULL REFERENCES receipts (receipt_id),
    -- event_type 0 (EVENT_TYPE_UNSPECIFIED) marks a payload that could not
    -- be normalized; normalization_error then says why.
    event_type          INTEGER NOT NULL DEFAULT 0,
    source_event_type   TEXT    NOT NULL DEFAULT '',
    occurred_at         INTEGER,
    received_at         INTEGER NOT NULL,
    entity_type         TEXT    NOT NULL DEFAULT '',
    entity_id           TEXT    NOT NULL DEFAULT '',
    user_id             TEXT    NOT NULL DEFAULT '',
    tenant_id           TEXT    NOT NULL DEFAULT '',
    amount_minor        INTEGER,
    currency            TEXT,
    metadata            TEXT    NOT NULL DEFAULT '{}',
    schema_version      INTEGER NOT NULL DEFAULT 0,
    -- normalized is the proto-encoded NormalizedEvent, returned as is.
    normalized          BLOB,
    normalization_error TEXT    NOT NULL DEFAULT '',
    recorded_at         INTEGER NOT NULL,
    -- The dedup key, ordered so that GetEvent without a source is a prefix.
    CONSTRAINT events_platform_event_id_source_key UNIQUE (platform, event_id, source)
);

CREATE INDEX events_platform_id_idx ON events (platform, id);
CREATE INDEX events_event_type_id_idx ON events (event_type, id);
CREATE INDEX events_received_at_idx ON events (received_at);
