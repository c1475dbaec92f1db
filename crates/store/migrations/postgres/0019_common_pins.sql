-- AllowCommonPINs (SPEC §2.2): whether a policy lets users choose a PIN on the shipped list of the
-- most common PINs. migrations/sqlite/0019_common_pins.sql is the same change for SQLite.
-- Off, as for a new policy: existing PINs stay valid; only PINs chosen from now on are checked.
ALTER TABLE mailbox_policies ADD COLUMN allow_common_pins BOOLEAN NOT NULL DEFAULT FALSE;
