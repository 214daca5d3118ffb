-- 0001_init: receipts (the raw requests) and events (one per platform,
-- source and event id). No schema name anywhere: the schema comes from the
-- connection's search_path, so tests can run each in a schema of their own.

CREATE TABLE receipts (
    receipt_id  uuid        PRIMARY KEY,
    platform    text        NOT NULL,
    source      text        NOT NULL DEFAULT '',
    event_id    text        NOT NULL,
    -- headers as the edge gave them: lower-case names, credentials redacted.
    headers     jsonb       NOT NULL DEFAULT '{}',
    -- body is the exact bytes received; signatures are over these bytes.
    body        bytea       NOT NULL,
    remote_addr text        NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL
);

CREATE TABLE events (
    -- id orders events and is the list cursor: it only grows, unlike
    -- received_at, which the edge sets and which can tie.
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform            text        NOT NULL,
    source              text        NOT NULL DEFAULT '',
    event_id            text        NOT NULL,
    receipt_id          uuid        NOT NULL REFERENCES receipts (receipt_id),
    -- event_type 0 (EVENT_TYPE_UNSPECIFIED) marks a payload that could not
    -- be normalized; normalization_error then says why.
    event_type          integer     NOT NULL DEFAULT 0,
    source_event_type   text        NOT NULL DEFAULT '',
    occurred_at         timestamptz,
    received_at         timestamptz NOT NULL,
    entity_type         text        NOT NULL DEFAULT '',
    entity_id           text        NOT NULL DEFAULT '',
    user_id             text        NOT NULL DEFAULT '',
    tenant_id           text        NOT NULL DEFAULT '',
    amount_minor        bigint,
    currency            text,
    metadata            jsonb       NOT NULL DEFAULT '{}',
    schema_version      integer     NOT NULL DEFAULT 0,
    -- normalized is the proto-encoded NormalizedEvent, returned as is by
    -- GetEvent; the columns above are copies for filtering and reporting.
    normalized          bytea,
    normalization_error text        NOT NULL DEFAULT '',
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    -- The dedup key. event_id comes before source so that GetEvent without a
    -- source (platform, event_id) is an index prefix too; ON CONFLICT infers
    -- the index from the set of columns, not their order.
    CONSTRAINT events_platform_event_id_source_key UNIQUE (platform, event_id, source)
);

CREATE INDEX events_platform_id_idx ON events (platform, id);
CREATE INDEX events_event_type_id_idx ON events (event_type, id);
CREATE INDEX events_received_at_idx ON events (received_at);
