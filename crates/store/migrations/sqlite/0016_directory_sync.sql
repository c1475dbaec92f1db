-- Mailboxes from the directory (LDAP, Active Directory). migrations/postgres/0016_directory_sync.sql
-- is the same change for PostgreSQL.
-- mailboxes.directory_id: the directory's immutable id (entryUUID, objectGUID) of the user a directory
-- sync created the mailbox for; NULL for a mailbox made by hand. directory_absent_since: when a sync
-- first found that user gone from the directory or disabled there (the grace period counts from it).
ALTER TABLE mailboxes ADD COLUMN directory_id TEXT;
ALTER TABLE mailboxes ADD COLUMN directory_absent_since INTEGER;
CREATE UNIQUE INDEX mailboxes_directory_id_unique ON mailboxes (directory_id) WHERE directory_id IS NOT NULL;

-- The result of each directory sync (Get-UMDirectorySyncStatus), and the entries it skipped.
CREATE TABLE directory_syncs (
    id          INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    account     TEXT    NOT NULL,
    succeeded   INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    error       TEXT,
    entries_read INTEGER NOT NULL,
    added       INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    absent      INTEGER NOT NULL,
    disabled    INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    CONSTRAINT directory_syncs_pkey PRIMARY KEY (id)
);

CREATE TABLE directory_sync_skips (
    sync     INTEGER NOT NULL,
    position INTEGER NOT NULL,
    dn       TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    CONSTRAINT directory_sync_skips_pkey PRIMARY KEY (sync, position),
    CONSTRAINT directory_sync_skips_sync_fkey FOREIGN KEY (sync)
        REFERENCES directory_syncs (id) ON DELETE CASCADE
);
