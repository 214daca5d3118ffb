-- 0009_throttle_ordering: subscriptions' rate and ordering_key enforced
-- (#15).
--
-- A delivery of an ordered subscription keeps the key its ordering_key
-- evaluated to when the delivery was made (NULL for an unordered
-- subscription): a replayed dead letter keeps it, and a later change of the
-- expression applies only to deliveries made afterwards. The claim hands
-- out only the head of a key: the pending delivery of (subscription, key)
-- with the lowest event_row_id, the order in which the ledger recorded the
-- events, and only while no delivery of the key is leased. The index is
-- the head check's: is there a pending delivery of the same key recorded
-- earlier? It holds only pending rows of ordered subscriptions, so an
-- unordered ledger keeps it empty.
ALTER TABLE deliveries ADD COLUMN ordering_key text;
CREATE INDEX deliveries_ordering_idx ON deliveries (subscription, ordering_key, event_row_id)
    WHERE state = 1 AND ordering_key IS NOT NULL;

-- A copy of the delivery's key, for the claim's "is this key in flight"
-- probe (delivery_leases holds only the work in flight, read through its
-- subscription index).
ALTER TABLE delivery_leases ADD COLUMN ordering_key text;

-- One token bucket per subscription with a rate: tokens as they were at
-- "at"; the claim adds rate_per_second for each second since, up to
-- rate_burst, takes one per lease, and writes the row back only when it
-- took some. No row is a full bucket. Claims are serialized by their
-- advisory lock, so every dispatcher replica shares the bucket.
CREATE TABLE rate_buckets (
    subscription text             PRIMARY KEY,
    tokens       double precision NOT NULL,
    at           timestamptz      NOT NULL
);
