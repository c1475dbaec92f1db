-- Voice mail without a PIN from the user's own phone (SPEC §3). migrations/sqlite/0015_pinless_voice_mail.sql
-- is the same change for SQLite.
-- Both switches are off until an administrator turns them on.
ALTER TABLE mailbox_policies ADD COLUMN allow_pinless_voice_mail_access BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE um_mailboxes ADD COLUMN pinless_access_to_voice_mail_enabled BOOLEAN NOT NULL DEFAULT FALSE;

-- mailboxes.phone_digits: the digits of the phone number, so that a caller ID is looked up by
-- index and a number shared by several mailboxes is known as shared.
ALTER TABLE mailboxes ADD COLUMN phone_digits TEXT COLLATE "C";
UPDATE mailboxes SET phone_digits = regexp_replace(phone, '[^0-9]', '', 'g') WHERE phone IS NOT NULL;
CREATE INDEX mailboxes_phone_digits ON mailboxes (phone_digits) WHERE phone_digits IS NOT NULL;
