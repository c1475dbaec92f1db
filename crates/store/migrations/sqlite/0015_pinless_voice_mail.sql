-- Voice mail without a PIN from the user's own phone (SPEC §3). migrations/postgres/0015_pinless_voice_mail.sql
-- is the same change for PostgreSQL.
-- Both switches are off until an administrator turns them on.
ALTER TABLE mailbox_policies ADD COLUMN allow_pinless_voice_mail_access INTEGER NOT NULL DEFAULT 0
    CHECK (allow_pinless_voice_mail_access IN (0, 1));
ALTER TABLE um_mailboxes ADD COLUMN pinless_access_to_voice_mail_enabled INTEGER NOT NULL DEFAULT 0
    CHECK (pinless_access_to_voice_mail_enabled IN (0, 1));

-- mailboxes.phone_digits: the digits of the phone number, so that a caller ID is looked up by
-- index and a number shared by several mailboxes is known as shared. Phone numbers hold only
-- digits, '+', spaces, '-', '.', '(' and ')' (the domain's check).
ALTER TABLE mailboxes ADD COLUMN phone_digits TEXT;
UPDATE mailboxes SET phone_digits =
    replace(replace(replace(replace(replace(replace(phone, '+', ''), ' ', ''), '-', ''), '.', ''), '(', ''), ')', '')
    WHERE phone IS NOT NULL;
CREATE INDEX mailboxes_phone_digits ON mailboxes (phone_digits) WHERE phone_digits IS NOT NULL;
