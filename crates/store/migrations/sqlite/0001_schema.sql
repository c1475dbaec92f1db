-- The umpin schema for SQLite. migrations/postgres/0001_schema.sql is the same schema for PostgreSQL:
-- same tables, columns and constraint names (the store maps a broken unique rule to its name).
-- Times are integer microseconds since the Unix epoch; guids are hyphenated lowercase text; the
-- *_key columns hold the lowercased value that uniqueness and look-ups use.
-- Booleans are INTEGER 0/1 here (BOOLEAN in PostgreSQL); blobs are BLOB (BYTEA there).

CREATE TABLE mailboxes (
    guid                 TEXT   NOT NULL,
    name                 TEXT   NOT NULL,
    name_key             TEXT   NOT NULL,
    alias                TEXT   NOT NULL,
    alias_key            TEXT   NOT NULL,
    display_name         TEXT   NOT NULL,
    display_name_key     TEXT   NOT NULL,
    primary_smtp_address TEXT   NOT NULL,
    primary_address_key  TEXT   NOT NULL,
    user_principal_name  TEXT   NOT NULL,
    upn_key              TEXT   NOT NULL,
    phone                TEXT,
    first_name           TEXT,
    last_name            TEXT,
    when_created         INTEGER NOT NULL,
    CONSTRAINT mailboxes_pkey PRIMARY KEY (guid),
    CONSTRAINT mailboxes_name_unique UNIQUE (name_key),
    CONSTRAINT mailboxes_alias_unique UNIQUE (alias_key),
    -- Also the keyset-paging order of every mailbox listing.
    CONSTRAINT mailboxes_primary_address_unique UNIQUE (primary_address_key)
);
CREATE INDEX mailboxes_display_name_key ON mailboxes (display_name_key);
CREATE INDEX mailboxes_upn_key ON mailboxes (upn_key);

-- Every address of a mailbox, the primary one (position 0) included, so that one rule keeps
-- addresses unique across the organisation, primary and secondary alike.
CREATE TABLE mailbox_addresses (
    address_key TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    mailbox     TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    is_primary  INTEGER NOT NULL CHECK (is_primary IN (0, 1)),
    CONSTRAINT mailbox_addresses_address_unique PRIMARY KEY (address_key),
    CONSTRAINT mailbox_addresses_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE
);
CREATE INDEX mailbox_addresses_mailbox ON mailbox_addresses (mailbox, position);

CREATE TABLE dial_plans (
    guid                             TEXT   NOT NULL,
    name                             TEXT   NOT NULL,
    name_key                         TEXT   NOT NULL,
    number_of_digits_in_extension    INTEGER NOT NULL,
    country_or_region_code           TEXT   NOT NULL,
    uri_type                         TEXT   NOT NULL,
    voip_security                    TEXT   NOT NULL,
    default_language                 TEXT   NOT NULL,
    logon_failures_before_disconnect INTEGER NOT NULL,
    when_created                     INTEGER NOT NULL,
    CONSTRAINT dial_plans_pkey PRIMARY KEY (guid),
    CONSTRAINT dial_plans_name_unique UNIQUE (name_key),
    CONSTRAINT dial_plans_uri_type_check CHECK (uri_type IN ('TelExtn', 'SipName', 'E164')),
    CONSTRAINT dial_plans_voip_security_check CHECK (voip_security IN ('Unsecured', 'SIPSecured', 'Secured'))
);

CREATE TABLE dial_plan_access_numbers (
    dial_plan TEXT   NOT NULL,
    position  INTEGER NOT NULL,
    number    TEXT   NOT NULL,
    CONSTRAINT dial_plan_access_numbers_pkey PRIMARY KEY (dial_plan, position),
    CONSTRAINT dial_plan_access_numbers_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE CASCADE
);

CREATE TABLE mailbox_policies (
    guid                            TEXT    NOT NULL,
    name                            TEXT    NOT NULL,
    name_key                        TEXT    NOT NULL,
    dial_plan                       TEXT    NOT NULL,
    min_pin_length                  INTEGER NOT NULL,
    pin_lifetime                    INTEGER, -- NULL: Unlimited
    pin_history_count               INTEGER NOT NULL,
    allow_common_patterns           INTEGER NOT NULL CHECK (allow_common_patterns IN (0, 1)),
    logon_failures_before_pin_reset INTEGER, -- NULL: Unlimited
    max_logon_attempts              INTEGER NOT NULL,
    reset_pin_text                  TEXT    NOT NULL,
    um_enabled_text                 TEXT    NOT NULL,
    when_created                    INTEGER NOT NULL,
    CONSTRAINT mailbox_policies_pkey PRIMARY KEY (guid),
    CONSTRAINT mailbox_policies_name_unique UNIQUE (name_key),
    -- A dial plan can't be removed while a policy belongs to it.
    CONSTRAINT mailbox_policies_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE RESTRICT
);
CREATE INDEX mailbox_policies_dial_plan ON mailbox_policies (dial_plan);

CREATE TABLE um_mailboxes (
    mailbox                     TEXT    NOT NULL,
    policy                      TEXT    NOT NULL,
    dial_plan                   TEXT    NOT NULL,
    sip_resource_identifier     TEXT,
    sip_resource_identifier_key TEXT,
    operator_number             TEXT,
    pilot_number                TEXT,
    um_enabled                  INTEGER NOT NULL CHECK (um_enabled IN (0, 1)),
    when_um_enabled             INTEGER,
    CONSTRAINT um_mailboxes_pkey PRIMARY KEY (mailbox),
    CONSTRAINT um_mailboxes_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE,
    CONSTRAINT um_mailboxes_policy_fkey FOREIGN KEY (policy)
        REFERENCES mailbox_policies (guid) ON DELETE RESTRICT,
    CONSTRAINT um_mailboxes_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE RESTRICT
);
-- A SIP resource identifier belongs to one UM-enabled mailbox of a dial plan; the kept settings of
-- a disabled one don't hold it.
CREATE UNIQUE INDEX um_mailboxes_sip_unique
    ON um_mailboxes (dial_plan, sip_resource_identifier_key) WHERE um_enabled;
CREATE INDEX um_mailboxes_policy ON um_mailboxes (policy);
CREATE INDEX um_mailboxes_dial_plan ON um_mailboxes (dial_plan);

-- The extensions of UM-enabled mailboxes (position 0 is the primary one): unique within a dial
-- plan across primary and secondary extensions.
CREATE TABLE um_extensions (
    dial_plan TEXT   NOT NULL,
    extension TEXT   NOT NULL,
    mailbox   TEXT   NOT NULL,
    position  INTEGER NOT NULL,
    CONSTRAINT um_extensions_extension_unique PRIMARY KEY (dial_plan, extension),
    CONSTRAINT um_extensions_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES um_mailboxes (mailbox) ON DELETE CASCADE,
    CONSTRAINT um_extensions_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE RESTRICT
);
CREATE INDEX um_extensions_mailbox ON um_extensions (mailbox, position);

-- The PIN data of a UM mailbox. `version` moves on every PIN change and every administrator action,
-- never on a sign-in reservation: a sign-in that saw one version can't undo what came after it.
CREATE TABLE pins (
    mailbox            TEXT    NOT NULL,
    sealed_pin         BLOB NOT NULL,
    pin_set_at         INTEGER NOT NULL,
    pin_length         INTEGER NOT NULL,
    first_time_user    INTEGER NOT NULL CHECK (first_time_user IN (0, 1)),
    expiry_forced      INTEGER NOT NULL CHECK (expiry_forced IN (0, 1)),
    failed_logon_count INTEGER NOT NULL,
    last_failed_logon  INTEGER,
    locked_out         INTEGER NOT NULL CHECK (locked_out IN (0, 1)),
    version            INTEGER NOT NULL,
    CONSTRAINT pins_pkey PRIMARY KEY (mailbox),
    CONSTRAINT pins_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES um_mailboxes (mailbox) ON DELETE CASCADE
);

-- Previous PIN verifiers, newest first (position 0).
CREATE TABLE pin_history (
    mailbox  TEXT   NOT NULL,
    position INTEGER NOT NULL,
    entry    BLOB NOT NULL,
    CONSTRAINT pin_history_pkey PRIMARY KEY (mailbox, position),
    CONSTRAINT pin_history_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES pins (mailbox) ON DELETE CASCADE
);

-- E-mail waiting for delivery; the body is sealed (it may hold a PIN).
CREATE TABLE outbox (
    id              TEXT   NOT NULL,
    kind            TEXT   NOT NULL,
    recipient       TEXT   NOT NULL,
    sealed_body     BLOB NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    delivered_at    INTEGER,
    CONSTRAINT outbox_pkey PRIMARY KEY (id),
    CONSTRAINT outbox_kind_check CHECK (kind IN ('welcome', 'pin_reset', 'lockout'))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
