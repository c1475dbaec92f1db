-- The time of the last failed sign-in before the current reservation: a sign-in is counted as a
-- failure before its PIN is evaluated (SPEC §2.5), and when the PIN then proves right, the time of
-- the last failure goes back to what it was, since that sign-in didn't fail.
ALTER TABLE pins ADD COLUMN previous_failed_logon BIGINT;
