-- The admin audit log appends in batches, for SQLite. migrations/postgres/0024_audit_appends_in_batches.sql
-- is the same for PostgreSQL.

-- An append now moves the head over all its records first and then inserts them, one after the
-- other: the database takes a record only as the one right after the last record, and only up to
-- the head. Outside an append (the head at the last record) that refuses every insert, the one
-- after the head included: a record can't be slipped in without moving the head, which breaks the
-- chain's link to it.
DROP TRIGGER audit_log_in_order;
CREATE TRIGGER audit_log_in_order BEFORE INSERT ON audit_log
    WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE seq >= 1) + 1
        OR NEW.seq > (SELECT seq FROM audit_head WHERE id = 1)
BEGIN
    SELECT RAISE(ABORT, 'the admin audit log takes only the record after its last one');
END;
