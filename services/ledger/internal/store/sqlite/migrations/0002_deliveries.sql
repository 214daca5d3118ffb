-- 0002_deliveries: the outbox, the SQLite dialect of
-- postgres/migrations/0002. Arrays are JSON arrays in TEXT ('[]' = all).

CREATE TABLE subscriptions (
    name            TEXT    NOT NULL PRIMARY KEY,
    target          TEXT    NOT NULL,
    -- JSON arrays; empty means "all", as in PostgreSQL.
    platforms       TEXT    NOT NULL DEFAULT '[]',
    event_types     TEXT    NOT NULL DEFAULT '[]',
    -- retry_policy is the proto-encoded RetryPolicy, NULL when unset.
    retry_policy    BLOB,
    timeout_ms      INTEGER NOT NULL CHECK (timeout_ms > 0),
    max_concurrency INTEGER NOT NULL CHECK (max_concurrency > 0),
    paused          INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE deliveries (
    -- delivery_id is the handler's idempotency key, stable across replays.
    delivery_id     TEXT    NOT NULL PRIMARY KEY,
    subscription    TEXT    NOT NULL REFERENCES subscriptions (name),
    event_row_id    INTEGER NOT NULL REFERENCES events (id),
    platform        TEXT    NOT NULL,
    source          TEXT    NOT NULL DEFAULT '',
    event_id        TEXT    NOT NULL,
    -- state: 1 pending, 2 delivered, 3 dead (ledger.v1.DeliveryState).
    state           INTEGER NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- A lease is a deferral: claiming moves next_attempt_at to the lease's
    -- expiry and sets a fresh lease_token.
    next_attempt_at INTEGER NOT NULL,
    lease_token     TEXT,
    leased_by       TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    replays         INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    dead_at         INTEGER,
    CONSTRAINT deliveries_event_subscription_key UNIQUE (event_row_id, subscription)
);

-- The claim's scan: due rows of one subscription, oldest first. delivery_id
-- is in the key (unlike PostgreSQL's) because the claim orders by it to
-- break ties, and SQLite would otherwise sort a whole backlog to do so.
CREATE INDEX deliveries_due_idx ON deliveries (subscription, next_attempt_at, delivery_id) WHERE state = 1;
-- The claim's room: rows under a lease.
CREATE INDEX deliveries_leased_idx ON deliveries (subscription) WHERE lease_token IS NOT NULL;
-- The dead-letter queue, newest first, keyset-paged by (dead_at, delivery_id).
CREATE INDEX deliveries_dead_idx ON deliveries (dead_at DESC, delivery_id DESC) WHERE state = 3;

CREATE TABLE delivery_attempts (
    -- id orders the history: "at" can tie.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id   TEXT    NOT NULL REFERENCES deliveries (delivery_id),
    -- attempt is the counted attempt number, 0 for an uncounted deferral.
    attempt       INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    error_class   INTEGER NOT NULL DEFAULT 0,
    code          TEXT    NOT NULL DEFAULT '',
    error         TEXT    NOT NULL DEFAULT '',
    dispatcher_id TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, id);
