-- The web admin center (SPEC §4.2), for SQLite. migrations/postgres/0008_web_sessions.sql is the
-- same for PostgreSQL. Nothing here depends on a migration after 0006, so that migrations of other
-- features may take the numbers around it.

-- Signed-in browsers. Only the SHA-256 digest of a session id is kept, so that the table alone
-- signs nobody in; any node can check a session. A session ends at `expires_at` (absolute) or at
-- `idle_until`, which each use of the session moves forward.
CREATE TABLE web_sessions (
    digest     BLOB    NOT NULL,
    account    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    idle_until INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT web_sessions_pkey PRIMARY KEY (digest),
    CONSTRAINT web_sessions_account_fkey FOREIGN KEY (account)
        REFERENCES management_accounts (guid) ON DELETE CASCADE
);
CREATE INDEX web_sessions_account ON web_sessions (account);

-- The Recipients list sorted by display name pages by (display name, address): one index walk
-- per page, however many mailboxes there are.
CREATE INDEX mailboxes_display_name_address ON mailboxes (display_name_key, primary_address_key);
