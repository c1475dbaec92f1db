-- Defence against PIN spraying (SPEC §3.3a). migrations/postgres/0010_voice_spraying.sql is the same
-- change for PostgreSQL.
-- voice_calls.caller_id: the digits of the caller's number, when the front end gave one; a call's
-- failed sign-ins count against it, or else against the account that started the call.
ALTER TABLE voice_calls ADD COLUMN caller_id TEXT;

-- The latest failed voice sign-in of a source (caller-id:DIGITS or account:NAME) on a target (a
-- mailbox, or an extension no UM mailbox has), so that the distinct targets of a source's failures
-- within the sliding window are one count. Rows older than the window are deleted as the source
-- fails again.
CREATE TABLE voice_source_failures (
    source    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    failed_at INTEGER NOT NULL,
    CONSTRAINT voice_source_failures_pkey PRIMARY KEY (source, target)
);

-- A source refused for a cool-down: until blocked_until, its sign-ins get the wrong-PIN answer
-- without any PIN evaluated. targets: the distinct targets of its failures when it was blocked.
CREATE TABLE voice_source_blocks (
    source        TEXT    NOT NULL,
    blocked_at    INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    targets       INTEGER NOT NULL,
    CONSTRAINT voice_source_blocks_pkey PRIMARY KEY (source)
);
