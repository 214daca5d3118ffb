-- 0008_subscription_shape: subscriptions users can shape (#15), and
-- deletions that keep history.
--
-- The new settings of a subscription, each with the default that keeps an
-- existing subscription as it was: no filter, no rate, unordered, no
-- backfill, the normalized payload, no signing secret. rate_per_second 0
-- means no rate. secrets is a JSON array of {secret, id, created_at,
-- expires_at} (store.SecretRow).
ALTER TABLE subscriptions
    ADD COLUMN filter          text             NOT NULL DEFAULT '',
    ADD COLUMN rate_per_second double precision NOT NULL DEFAULT 0 CHECK (rate_per_second >= 0),
    ADD COLUMN rate_burst      integer          NOT NULL DEFAULT 0 CHECK (rate_burst >= 0),
    ADD COLUMN ordering_key    text             NOT NULL DEFAULT '',
    ADD COLUMN start_from      timestamptz,
    ADD COLUMN payload         smallint         NOT NULL DEFAULT 0,
    ADD COLUMN secrets         jsonb            NOT NULL DEFAULT '[]';

-- state 4 is cancelled: a delivery that was pending when its subscription
-- was deleted. NOT VALID: every existing row holds 1, 2 or 3, so the
-- table need not be scanned under the migration's lock.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_state_check;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_state_check CHECK (state IN (1, 2, 3, 4)) NOT VALID;

-- A deleted subscription's deliveries stay, with their history, so they
-- can no longer reference its row. The foreign key's lock on the
-- subscription's row ordered a Record against a concurrent
-- DeleteSubscription; Record (and CompleteNormalization) now take that
-- lock themselves (FOR KEY SHARE of the subscriptions they deliver to),
-- so the order holds without the reference.
ALTER TABLE deliveries DROP CONSTRAINT deliveries_subscription_fkey;
