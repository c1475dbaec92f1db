-- The alert to the security address that a source of voice sign-ins was blocked for spraying PINs
-- (SPEC §3.3a) is a new kind of outbox message. SQLite can't change a table's CHECK constraint, so
-- the outbox is rebuilt with the same columns, constraints and index, and its rows copied.
-- migrations/postgres/0012_outbox_spray_alert.sql is the same change for PostgreSQL.
CREATE TABLE outbox_rebuilt (
    id              TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    sealed_body     BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    claim_token     TEXT,
    last_error      TEXT,
    CONSTRAINT outbox_pkey PRIMARY KEY (id),
    CONSTRAINT outbox_kind_check CHECK (kind IN ('welcome', 'pin_reset', 'lockout', 'spray_alert')),
    CONSTRAINT outbox_claim_check CHECK ((claim_token IS NULL) = (claimed_until IS NULL))
);
INSERT INTO outbox_rebuilt
    (id, kind, recipient, sealed_body, created_at, attempts, next_attempt_at, claimed_until, claim_token, last_error)
SELECT id, kind, recipient, sealed_body, created_at, attempts, next_attempt_at, claimed_until, claim_token, last_error
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at);
