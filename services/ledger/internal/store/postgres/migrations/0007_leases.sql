-- 0007_leases: the queue without churn.
--
-- Leases move to a table of their own. A claim used to update the
-- deliveries row (lease token, lease expiry in next_attempt_at), and since
-- both columns were indexed the update could not be HOT: every claim wrote a
-- new row version and four index entries, and left a dead version for vacuum,
-- on the largest table of the queue. Now a claim only locks the row and
-- inserts a small lease row; the outcome deletes it. The deliveries row
-- changes once, at its outcome. A lease still defers: a delivery whose lease
-- has not expired is not due, and one whose dispatcher died is due again when
-- its lease expires, with no sweeper. delivery_leases holds only the work in
-- flight, so it stays small and in memory.
--
-- Three foreign keys of the write path go: every Record checked that its
-- event's receipt and its deliveries' event exist (each check a query and a
-- row lock on the parent), and every outcome that its history row's
-- delivery does; BenchmarkRecordParallel measured a Record about 7% cheaper in
-- PostgreSQL CPU without them. The ledger is the only writer and inserts
-- parent and child rows in the same statement; an outcome inserts its
-- history row only from the deliveries row it updated (and locked), and
-- DeleteSubscription locks the deliveries it deletes before reading their
-- history. The conformance tests check every reference after each test.
-- deliveries_subscription_fkey stays: its lock on the subscription's row is
-- what orders a Record against a concurrent DeleteSubscription.

-- Upgrade: ledgers of earlier versions cannot claim from this layout (their
-- claims fail, nothing is lost); replace every ledger replica together.

ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_row_id_fkey;
ALTER TABLE events DROP CONSTRAINT events_receipt_id_fkey;
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_delivery_id_fkey;

CREATE TABLE delivery_leases (
    delivery_id  uuid        PRIMARY KEY,
    -- A copy of the delivery's, for the claim's count of work in flight.
    subscription text        NOT NULL,
    token        uuid        NOT NULL,
    leased_by    text        NOT NULL,
    -- A lease whose expiry has passed is no lease: the claim may take the
    -- delivery again (replacing this row), and until then the outcome of
    -- its holder is still accepted (no newer attempt exists).
    expires_at   timestamptz NOT NULL
);

-- The claim's room: the leases of one subscription.
CREATE INDEX delivery_leases_subscription_idx ON delivery_leases (subscription);

-- Rows come and go at the rate of deliveries: vacuum it often (see 0004).
ALTER TABLE delivery_leases SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);

-- Leases held at the upgrade stay held until they expire, as before: their
-- deliveries' next_attempt_at already says when that is.
INSERT INTO delivery_leases (delivery_id, subscription, token, leased_by, expires_at)
SELECT delivery_id, subscription, lease_token, leased_by, next_attempt_at
FROM deliveries WHERE lease_token IS NOT NULL AND state = 1;

DROP INDEX deliveries_leased_idx;
ALTER TABLE deliveries DROP COLUMN lease_token, DROP COLUMN leased_by;
