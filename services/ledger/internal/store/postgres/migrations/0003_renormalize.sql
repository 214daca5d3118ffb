-- 0003_renormalize: re-normalization of events recorded without a
-- normalized event. renormalize_at is when the event is next due (NULL:
-- not scheduled); a claim moves it to the lease's expiry under a fresh
-- renormalize_token, as deliveries do, so no sweeper is needed.

ALTER TABLE events
    ADD COLUMN renormalize_at       timestamptz,
    ADD COLUMN renormalize_attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN renormalize_token    uuid;

-- The claim's scan, as small as the events waiting for a normalizer.
CREATE INDEX events_renormalize_at_idx ON events (renormalize_at) WHERE renormalize_at IS NOT NULL;
