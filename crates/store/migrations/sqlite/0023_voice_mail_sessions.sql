-- Sessions of the users' own Voice Mail page (/voicemail/): a user signed in with their directory
-- account, for their own mailbox only. Kept apart from the admin center's web_sessions, so that no
-- user's session can ever be taken for a management account's. A session is kept as the digest
-- of its id; times are microseconds since the Unix epoch. migrations/postgres/0023_… is the same
-- change for PostgreSQL.
CREATE TABLE voice_mail_sessions (
    digest     BLOB    NOT NULL,
    mailbox    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    idle_until INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT voice_mail_sessions_pkey PRIMARY KEY (digest),
    CONSTRAINT voice_mail_sessions_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE
);
CREATE INDEX voice_mail_sessions_mailbox ON voice_mail_sessions (mailbox);
