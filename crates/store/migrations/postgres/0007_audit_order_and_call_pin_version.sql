-- Hardening, for PostgreSQL. migrations/sqlite/0007_audit_order_and_call_pin_version.sql is the
-- same for SQLite.

-- The admin audit log takes a record only as the one right after the head: a row inserted with
-- another number (at 0, below, or beyond the next) is refused by the database. umpin appends a
-- record and then moves the head, in one transaction (holding the head's row lock).
CREATE FUNCTION audit_log_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> (SELECT seq FROM audit_head WHERE id = 1) + 1 THEN
        RAISE EXCEPTION 'the admin audit log takes only the record after its last one';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_in_order BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_in_order();

-- The version of the PIN data a call's caller signed in with: the call's rights last only while
-- it is current, so that any administrator action on the PIN (reset, lock, unlock, disable),
-- which moves the version, ends them.
ALTER TABLE voice_calls ADD COLUMN pin_version BIGINT;
