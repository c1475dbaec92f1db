-- Leases: work that one node of several does at a time (the periodic directory sync) is done by
-- the node that holds its lease, until the lease ends (microseconds since the Unix epoch).
CREATE TABLE leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- The mailboxes a directory sync UM-enabled as members of UM groups.
ALTER TABLE directory_syncs ADD COLUMN um_enabled BIGINT NOT NULL DEFAULT 0;
