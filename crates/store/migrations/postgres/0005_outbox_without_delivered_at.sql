-- The outbox keeps only messages waiting for delivery: a delivered message is deleted (SPEC §5), so
-- outbox.delivered_at was never set and goes. Its partial index goes with it and comes back over
-- every row. migrations/sqlite/0005_outbox_without_delivered_at.sql is the same change for SQLite.
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN delivered_at;
CREATE INDEX outbox_due ON outbox (next_attempt_at);
