-- Management accounts, role groups, API tokens, sign-in throttling and the admin audit log
-- (SPEC §4.4–§4.5), for SQLite. migrations/postgres/0002_administration.sql is the same for PostgreSQL.

-- The password verifier is sealed like PIN data (Argon2id keyed with the server secret).
CREATE TABLE management_accounts (
    guid            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    display_name    TEXT    NOT NULL,
    sealed_password BLOB    NOT NULL,
    disabled        INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    when_created    INTEGER NOT NULL,
    CONSTRAINT management_accounts_pkey PRIMARY KEY (guid),
    CONSTRAINT management_accounts_name_key UNIQUE (name_key)
);

CREATE TABLE role_group_members (
    role_group TEXT NOT NULL,
    account    TEXT NOT NULL,
    CONSTRAINT role_group_members_pkey PRIMARY KEY (role_group, account),
    CONSTRAINT role_group_members_account_fkey FOREIGN KEY (account)
        REFERENCES management_accounts (guid) ON DELETE CASCADE,
    CONSTRAINT role_group_members_role_group_check CHECK (role_group IN
        ('Organization Management', 'UM Management', 'View-Only Organization Management', 'Help Desk', 'Voice Access'))
);
CREATE INDEX role_group_members_account ON role_group_members (account);

-- Only the SHA-256 digest of a token is kept.
CREATE TABLE api_tokens (
    digest     BLOB    NOT NULL,
    account    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (digest),
    CONSTRAINT api_tokens_account_fkey FOREIGN KEY (account)
        REFERENCES management_accounts (guid) ON DELETE CASCADE
);
CREATE INDEX api_tokens_account ON api_tokens (account);

-- Failed management sign-ins, per account ('account:<name>') and per source ('source:<address>').
CREATE TABLE sign_in_throttle (
    subject       TEXT    NOT NULL,
    failures      INTEGER NOT NULL,
    last_failure  INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    CONSTRAINT sign_in_throttle_pkey PRIMARY KEY (subject)
);

-- The admin audit log: append-only, each record linked to the one before by an HMAC under the
-- server key (key_id), so an edited or deleted record breaks the chain.
CREATE TABLE audit_log (
    seq        INTEGER NOT NULL,
    run_at     INTEGER NOT NULL,
    account    TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    cmdlet     TEXT    NOT NULL,
    object_id  TEXT    NOT NULL,
    parameters TEXT    NOT NULL,
    succeeded  INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    error      TEXT,
    key_id     INTEGER NOT NULL,
    link       BLOB    NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (seq)
);
CREATE INDEX audit_log_run_at ON audit_log (run_at);

-- The last record's number and link: appending locks this one row, so records from several
-- nodes chain one after another.
CREATE TABLE audit_head (
    id   INTEGER NOT NULL,
    seq  INTEGER NOT NULL,
    link BLOB    NOT NULL,
    CONSTRAINT audit_head_pkey PRIMARY KEY (id),
    CONSTRAINT audit_head_single CHECK (id = 1)
);
INSERT INTO audit_head (id, seq, link) VALUES (1, 0, X'');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the admin audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the admin audit log is append-only');
END;
