-- 0002_deliveries: the outbox. Subscriptions route events to handlers;
-- Record inserts one delivery per matching subscription in the same
-- statement as the event, and dispatchers lease due deliveries.

CREATE TABLE subscriptions (
    name            text        PRIMARY KEY,
    target          text        NOT NULL,
    -- Empty arrays mean "all": the filters of Record test cardinality = 0.
    platforms       text[]      NOT NULL DEFAULT '{}',
    event_types     integer[]   NOT NULL DEFAULT '{}',
    -- retry_policy is the proto-encoded RetryPolicy, NULL when unset (the
    -- dispatcher then applies the defaults in its README). Bytes, not
    -- jsonb: the dispatcher reads it back as a proto, never from SQL.
    retry_policy    bytea,
    timeout_ms      bigint      NOT NULL CHECK (timeout_ms > 0),
    max_concurrency integer     NOT NULL CHECK (max_concurrency > 0),
    paused          boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
    -- delivery_id is the handler's idempotency key, stable across replays.
    delivery_id     uuid        PRIMARY KEY,
    subscription    text        NOT NULL REFERENCES subscriptions (name),
    event_row_id    bigint      NOT NULL REFERENCES events (id),
    -- Copies of the event key, so lists and logs need no join.
    platform        text        NOT NULL,
    source          text        NOT NULL DEFAULT '',
    event_id        text        NOT NULL,
    -- state: 1 pending, 2 delivered, 3 dead (ledger.v1.DeliveryState).
    state           smallint    NOT NULL DEFAULT 1 CHECK (state IN (1, 2, 3)),
    attempts        integer     NOT NULL DEFAULT 0,
    -- A lease is a deferral: claiming moves next_attempt_at to the lease's
    -- expiry and sets a fresh lease_token, so a delivery whose dispatcher
    -- died becomes due again by itself, with no sweeper.
    next_attempt_at timestamptz NOT NULL,
    lease_token     uuid,
    leased_by       text        NOT NULL DEFAULT '',
    last_error      text        NOT NULL DEFAULT '',
    replays         integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    dead_at         timestamptz,
    -- One delivery per event and subscription; also the "deliveries of an
    -- event" index of ListDeliveries.
    CONSTRAINT deliveries_event_subscription_key UNIQUE (event_row_id, subscription)
);

-- The claim's scan: due rows of one subscription, oldest first.
CREATE INDEX deliveries_due_idx ON deliveries (subscription, next_attempt_at) WHERE state = 1;
-- The claim's room: rows under a lease. Outcomes clear lease_token, so this
-- index stays as small as the work in flight.
CREATE INDEX deliveries_leased_idx ON deliveries (subscription) WHERE lease_token IS NOT NULL;
-- The dead-letter queue, newest first, keyset-paged by (dead_at, delivery_id).
CREATE INDEX deliveries_dead_idx ON deliveries (dead_at DESC, delivery_id DESC) WHERE state = 3;

CREATE TABLE delivery_attempts (
    -- id orders the history: "at" can tie.
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id   uuid        NOT NULL REFERENCES deliveries (delivery_id),
    -- attempt is the counted attempt number, 0 for an uncounted deferral.
    attempt       integer     NOT NULL,
    at            timestamptz NOT NULL DEFAULT now(),
    error_class   smallint    NOT NULL DEFAULT 0,
    code          text        NOT NULL DEFAULT '',
    error         text        NOT NULL DEFAULT '',
    dispatcher_id text        NOT NULL DEFAULT ''
);

CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, id);
