-- Delivery of the outbox (SPEC §6). migrations/postgres/0003_outbox_delivery.sql is the same change
-- for PostgreSQL, with the same constraint name.
-- claim_token: a random token set with claimed_until when a node claims a message for delivery;
-- only the holder of that token may delete the message or record a failed attempt, so a node whose
-- lease ran out can't act on a claim another node has taken since. The two are set and cleared
-- together. last_error: the mail server's answer to the last failed attempt (never the message).
ALTER TABLE outbox ADD COLUMN claim_token TEXT
    CONSTRAINT outbox_claim_check CHECK ((claim_token IS NULL) = (claimed_until IS NULL));
ALTER TABLE outbox ADD COLUMN last_error TEXT;
