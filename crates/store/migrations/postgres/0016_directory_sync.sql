-- Mailboxes from the directory (LDAP, Active Directory). migrations/sqlite/0016_directory_sync.sql
-- is the same change for SQLite.
-- mailboxes.directory_id: the directory's immutable id (entryUUID, objectGUID) of the user a directory
-- sync created the mailbox for; NULL for a mailbox made by hand. directory_absent_since: when a sync
-- first found that user gone from the directory or disabled there (the grace period counts from it).
ALTER TABLE mailboxes ADD COLUMN directory_id TEXT COLLATE "C";
ALTER TABLE mailboxes ADD COLUMN directory_absent_since BIGINT;
CREATE UNIQUE INDEX mailboxes_directory_id_unique ON mailboxes (directory_id) WHERE directory_id IS NOT NULL;

-- The result of each directory sync (Get-UMDirectorySyncStatus), and the entries it skipped.
CREATE TABLE directory_syncs (
    id          BIGINT  NOT NULL,
    started_at  BIGINT  NOT NULL,
    finished_at BIGINT  NOT NULL,
    account     TEXT    NOT NULL,
    succeeded   BOOLEAN NOT NULL,
    error       TEXT,
    entries_read BIGINT NOT NULL,
    added       BIGINT  NOT NULL,
    updated     BIGINT  NOT NULL,
    absent      BIGINT  NOT NULL,
    disabled    BIGINT  NOT NULL,
    unchanged   BIGINT  NOT NULL,
    skipped     BIGINT  NOT NULL,
    CONSTRAINT directory_syncs_pkey PRIMARY KEY (id)
);

CREATE TABLE directory_sync_skips (
    sync     BIGINT  NOT NULL,
    position BIGINT  NOT NULL,
    dn       TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    CONSTRAINT directory_sync_skips_pkey PRIMARY KEY (sync, position),
    CONSTRAINT directory_sync_skips_sync_fkey FOREIGN KEY (sync)
        REFERENCES directory_syncs (id) ON DELETE CASCADE
);
