-- Voice access (SPEC §3), for SQLite. migrations/postgres/0004_voice_calls.sql is the same for
-- PostgreSQL.

-- A call in progress. Only the SHA-256 digest of the call's id is kept (the id lets its holder
-- change a signed-in caller's PIN). account: the name of the account that started the call (the
-- local shell has none in the database); only that account may go on with it.
-- mailbox: the caller's mailbox once known (by caller ID, or by signing in); signed_in says
-- whether the caller has signed in to it. failures: failed sign-ins within this call, for the
-- dial plan's LogonFailuresBeforeDisconnect.
CREATE TABLE voice_calls (
    digest     BLOB    NOT NULL,
    account    TEXT    NOT NULL,
    dial_plan  TEXT    NOT NULL,
    mailbox    TEXT,
    signed_in  INTEGER NOT NULL CHECK (signed_in IN (0, 1)),
    failures   INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT voice_calls_pkey PRIMARY KEY (digest),
    CONSTRAINT voice_calls_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE CASCADE,
    CONSTRAINT voice_calls_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE,
    CONSTRAINT voice_calls_signed_in_check CHECK (signed_in = 0 OR mailbox IS NOT NULL)
);
CREATE INDEX voice_calls_expires_at ON voice_calls (expires_at);

-- The name a user recorded in first-time setup; audio and content_type are NULL when the caller
-- skipped the recording.
CREATE TABLE recorded_names (
    mailbox      TEXT    NOT NULL,
    content_type TEXT,
    audio        BLOB,
    recorded_at  INTEGER NOT NULL,
    CONSTRAINT recorded_names_pkey PRIMARY KEY (mailbox),
    CONSTRAINT recorded_names_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE,
    CONSTRAINT recorded_names_audio_check CHECK ((audio IS NULL) = (content_type IS NULL))
);
