-- The alert to the security address that a source of voice sign-ins was blocked for spraying PINs
-- (SPEC §3.3a) is a new kind of outbox message: the kind's CHECK constraint takes it.
-- migrations/sqlite/0012_outbox_spray_alert.sql is the same change for SQLite (a table rebuild).
ALTER TABLE outbox
    DROP CONSTRAINT outbox_kind_check,
    ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('welcome', 'pin_reset', 'lockout', 'spray_alert'));
