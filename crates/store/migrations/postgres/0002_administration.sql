-- Management accounts, role groups, API tokens, sign-in throttling and the admin audit log
-- (SPEC §4.4–§4.5), for PostgreSQL. migrations/sqlite/0002_administration.sql is the same for SQLite.

-- The password verifier is sealed like PIN data (Argon2id keyed with the server secret).
CREATE TABLE management_accounts (
    guid            TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    name_key        TEXT COLLATE "C" NOT NULL,
    display_name    TEXT COLLATE "C" NOT NULL,
    sealed_password BYTEA   NOT NULL,
    disabled        BOOLEAN NOT NULL,
    when_created    BIGINT  NOT NULL,
    CONSTRAINT management_accounts_pkey PRIMARY KEY (guid),
    CONSTRAINT management_accounts_name_key UNIQUE (name_key)
);

CREATE TABLE role_group_members (
    role_group TEXT COLLATE "C" NOT NULL,
    account    TEXT COLLATE "C" NOT NULL,
    CONSTRAINT role_group_members_pkey PRIMARY KEY (role_group, account),
    CONSTRAINT role_group_members_account_fkey FOREIGN KEY (account)
        REFERENCES management_accounts (guid) ON DELETE CASCADE,
    CONSTRAINT role_group_members_role_group_check CHECK (role_group IN
        ('Organization Management', 'UM Management', 'View-Only Organization Management', 'Help Desk', 'Voice Access'))
);
CREATE INDEX role_group_members_account ON role_group_members (account);

-- Only the SHA-256 digest of a token is kept.
CREATE TABLE api_tokens (
    digest     BYTEA  NOT NULL,
    account    TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT api_tokens_pkey PRIMARY KEY (digest),
    CONSTRAINT api_tokens_account_fkey FOREIGN KEY (account)
        REFERENCES management_accounts (guid) ON DELETE CASCADE
);
CREATE INDEX api_tokens_account ON api_tokens (account);

-- Failed management sign-ins, per account ('account:<name>') and per source ('source:<address>').
CREATE TABLE sign_in_throttle (
    subject       TEXT COLLATE "C" NOT NULL,
    failures      BIGINT NOT NULL,
    last_failure  BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL,
    CONSTRAINT sign_in_throttle_pkey PRIMARY KEY (subject)
);

-- The admin audit log: append-only, each record linked to the one before by an HMAC under the
-- server key (key_id), so an edited or deleted record breaks the chain.
CREATE TABLE audit_log (
    seq        BIGINT  NOT NULL,
    run_at     BIGINT  NOT NULL,
    account    TEXT COLLATE "C" NOT NULL,
    source     TEXT COLLATE "C" NOT NULL,
    cmdlet     TEXT COLLATE "C" NOT NULL,
    object_id  TEXT COLLATE "C" NOT NULL,
    parameters TEXT COLLATE "C" NOT NULL,
    succeeded  BOOLEAN NOT NULL,
    error      TEXT COLLATE "C",
    key_id     BIGINT  NOT NULL,
    link       BYTEA   NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (seq)
);
CREATE INDEX audit_log_run_at ON audit_log (run_at);

-- The last record's number and link: appending locks this one row, so records from several
-- nodes chain one after another.
CREATE TABLE audit_head (
    id   BIGINT NOT NULL,
    seq  BIGINT NOT NULL,
    link BYTEA  NOT NULL,
    CONSTRAINT audit_head_pkey PRIMARY KEY (id),
    CONSTRAINT audit_head_single CHECK (id = 1)
);
INSERT INTO audit_head (id, seq, link) VALUES (1, 0, '\x'::bytea);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the admin audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
