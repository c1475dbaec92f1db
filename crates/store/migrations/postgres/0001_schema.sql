-- The umpin schema for PostgreSQL. migrations/sqlite/0001_schema.sql is the same schema for SQLite:
-- same tables, columns and constraint names (the store maps a broken unique rule to its name).
-- Times are integer microseconds since the Unix epoch; guids are hyphenated lowercase text; the
-- *_key columns hold the lowercased value that uniqueness and look-ups use. Text compares byte-wise
-- (COLLATE "C"), as SQLite's BINARY does, so that ordering and keyset paging are alike on both.

CREATE TABLE mailboxes (
    guid                 TEXT COLLATE "C" NOT NULL,
    name                 TEXT COLLATE "C" NOT NULL,
    name_key             TEXT COLLATE "C" NOT NULL,
    alias                TEXT COLLATE "C" NOT NULL,
    alias_key            TEXT COLLATE "C" NOT NULL,
    display_name         TEXT COLLATE "C" NOT NULL,
    display_name_key     TEXT COLLATE "C" NOT NULL,
    primary_smtp_address TEXT COLLATE "C" NOT NULL,
    primary_address_key  TEXT COLLATE "C" NOT NULL,
    user_principal_name  TEXT COLLATE "C" NOT NULL,
    upn_key              TEXT COLLATE "C" NOT NULL,
    phone                TEXT COLLATE "C",
    first_name           TEXT COLLATE "C",
    last_name            TEXT COLLATE "C",
    when_created         BIGINT NOT NULL,
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
    address_key TEXT COLLATE "C" NOT NULL,
    address     TEXT COLLATE "C" NOT NULL,
    mailbox     TEXT COLLATE "C" NOT NULL,
    position    BIGINT  NOT NULL,
    is_primary  BOOLEAN NOT NULL,
    CONSTRAINT mailbox_addresses_address_unique PRIMARY KEY (address_key),
    CONSTRAINT mailbox_addresses_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES mailboxes (guid) ON DELETE CASCADE
);
CREATE INDEX mailbox_addresses_mailbox ON mailbox_addresses (mailbox, position);

CREATE TABLE dial_plans (
    guid                             TEXT COLLATE "C" NOT NULL,
    name                             TEXT COLLATE "C" NOT NULL,
    name_key                         TEXT COLLATE "C" NOT NULL,
    number_of_digits_in_extension    BIGINT NOT NULL,
    country_or_region_code           TEXT COLLATE "C" NOT NULL,
    uri_type                         TEXT COLLATE "C" NOT NULL,
    voip_security                    TEXT COLLATE "C" NOT NULL,
    default_language                 TEXT COLLATE "C" NOT NULL,
    logon_failures_before_disconnect BIGINT NOT NULL,
    when_created                     BIGINT NOT NULL,
    CONSTRAINT dial_plans_pkey PRIMARY KEY (guid),
    CONSTRAINT dial_plans_name_unique UNIQUE (name_key),
    CONSTRAINT dial_plans_uri_type_check CHECK (uri_type IN ('TelExtn', 'SipName', 'E164')),
    CONSTRAINT dial_plans_voip_security_check CHECK (voip_security IN ('Unsecured', 'SIPSecured', 'Secured'))
);

CREATE TABLE dial_plan_access_numbers (
    dial_plan TEXT COLLATE "C" NOT NULL,
    position  BIGINT NOT NULL,
    number    TEXT COLLATE "C" NOT NULL,
    CONSTRAINT dial_plan_access_numbers_pkey PRIMARY KEY (dial_plan, position),
    CONSTRAINT dial_plan_access_numbers_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE CASCADE
);

CREATE TABLE mailbox_policies (
    guid                            TEXT COLLATE "C" NOT NULL,
    name                            TEXT COLLATE "C" NOT NULL,
    name_key                        TEXT COLLATE "C" NOT NULL,
    dial_plan                       TEXT COLLATE "C" NOT NULL,
    min_pin_length                  BIGINT  NOT NULL,
    pin_lifetime                    BIGINT, -- NULL: Unlimited
    pin_history_count               BIGINT  NOT NULL,
    allow_common_patterns           BOOLEAN NOT NULL,
    logon_failures_before_pin_reset BIGINT, -- NULL: Unlimited
    max_logon_attempts              BIGINT  NOT NULL,
    reset_pin_text                  TEXT COLLATE "C" NOT NULL,
    um_enabled_text                 TEXT COLLATE "C" NOT NULL,
    when_created                    BIGINT  NOT NULL,
    CONSTRAINT mailbox_policies_pkey PRIMARY KEY (guid),
    CONSTRAINT mailbox_policies_name_unique UNIQUE (name_key),
    -- A dial plan can't be removed while a policy belongs to it.
    CONSTRAINT mailbox_policies_dial_plan_fkey FOREIGN KEY (dial_plan)
        REFERENCES dial_plans (guid) ON DELETE RESTRICT
);
CREATE INDEX mailbox_policies_dial_plan ON mailbox_policies (dial_plan);

CREATE TABLE um_mailboxes (
    mailbox                     TEXT COLLATE "C" NOT NULL,
    policy                      TEXT COLLATE "C" NOT NULL,
    dial_plan                   TEXT COLLATE "C" NOT NULL,
    sip_resource_identifier     TEXT COLLATE "C",
    sip_resource_identifier_key TEXT COLLATE "C",
    operator_number             TEXT COLLATE "C",
    pilot_number                TEXT COLLATE "C",
    um_enabled                  BOOLEAN NOT NULL,
    when_um_enabled             BIGINT,
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
    dial_plan TEXT COLLATE "C" NOT NULL,
    extension TEXT COLLATE "C" NOT NULL,
    mailbox   TEXT COLLATE "C" NOT NULL,
    position  BIGINT NOT NULL,
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
    mailbox            TEXT COLLATE "C" NOT NULL,
    sealed_pin         BYTEA   NOT NULL,
    pin_set_at         BIGINT  NOT NULL,
    pin_length         BIGINT  NOT NULL,
    first_time_user    BOOLEAN NOT NULL,
    expiry_forced      BOOLEAN NOT NULL,
    failed_logon_count BIGINT  NOT NULL,
    last_failed_logon  BIGINT,
    locked_out         BOOLEAN NOT NULL,
    version            BIGINT  NOT NULL,
    CONSTRAINT pins_pkey PRIMARY KEY (mailbox),
    CONSTRAINT pins_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES um_mailboxes (mailbox) ON DELETE CASCADE
);

-- Previous PIN verifiers, newest first (position 0).
CREATE TABLE pin_history (
    mailbox  TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    entry    BYTEA  NOT NULL,
    CONSTRAINT pin_history_pkey PRIMARY KEY (mailbox, position),
    CONSTRAINT pin_history_mailbox_fkey FOREIGN KEY (mailbox)
        REFERENCES pins (mailbox) ON DELETE CASCADE
);

-- E-mail waiting for delivery; the body is sealed (it may hold a PIN).
CREATE TABLE outbox (
    id              TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    recipient       TEXT COLLATE "C" NOT NULL,
    sealed_body     BYTEA  NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    delivered_at    BIGINT,
    CONSTRAINT outbox_pkey PRIMARY KEY (id),
    CONSTRAINT outbox_kind_check CHECK (kind IN ('welcome', 'pin_reset', 'lockout'))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at IS NULL;
