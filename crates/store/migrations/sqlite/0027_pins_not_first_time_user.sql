-- The PIN listing's first-time setup filter when few UM mailboxes have completed it (or few haven't:
-- pins_first_time_user, migration 0006): the listing counts the rows of the partial index first
-- and, when they are few, reads them in place of a walk of every address (crates/store/src/pins.rs).
-- migrations/postgres/0027_pins_not_first_time_user.sql is the same change.
CREATE INDEX pins_not_first_time_user ON pins (mailbox) WHERE NOT first_time_user;
