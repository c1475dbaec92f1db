-- Management accounts of directory users (SPEC §4.4): a directory user who is a member of a
-- directory group that a role group has signs in with their directory password, as the account
-- made for them at their first sign-in. directory_id is the directory's immutable id of the user
-- (entryUUID, objectGUID); NULL for a local account. Such an account has no password here: its
-- sealed_password is empty and is never verified. migrations/postgres/0025_… is the same change
-- for PostgreSQL.
ALTER TABLE management_accounts ADD COLUMN directory_id TEXT;
CREATE UNIQUE INDEX management_accounts_directory_id_unique
    ON management_accounts (directory_id) WHERE directory_id IS NOT NULL;
