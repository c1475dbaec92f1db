-- The PIN listing states every filter in its one statement (crates/store/src/pins.rs). Walking the
-- address index, a filter that few UM mailboxes match reads every row; for a rare lockout or
-- first-time user the planner starts instead from these indexes, which hold only those rows, and
-- sorts the few it finds. migrations/sqlite/0006_pin_listing_filters.sql is the same for SQLite.
CREATE INDEX pins_locked_out ON pins (mailbox) WHERE locked_out;
CREATE INDEX pins_first_time_user ON pins (mailbox) WHERE first_time_user;
