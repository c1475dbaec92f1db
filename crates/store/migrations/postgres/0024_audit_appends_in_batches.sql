-- The admin audit log appends in batches, for PostgreSQL. migrations/sqlite/0024_audit_appends_in_batches.sql
-- is the same for SQLite.

-- An append now moves the head over all its records first and then inserts them, one after the
-- other, in one statement: the database takes a record only as the one right after the last
-- record, and only up to the head. Outside an append (the head at the last record) that refuses
-- every insert, the one after the head included: a record can't be slipped in without moving the
-- head, which breaks the chain's link to it. A row trigger sees the rows the same statement
-- inserted before, and the head the statement moved.
CREATE OR REPLACE FUNCTION audit_log_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq <> (SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE seq >= 1) + 1
        OR NEW.seq > (SELECT seq FROM audit_head WHERE id = 1) THEN
        RAISE EXCEPTION 'the admin audit log takes only the record after its last one';
    END IF;
    RETURN NEW;
END;
$$;
