-- The indexes PostgreSQL's planner uses to find a rare lockout or first-time user for the PIN
-- listing (see migrations/postgres/0006_pin_listing_filters.sql). SQLite prepares the listing
-- once with the filters as parameters, so its plan is the same for every filter: it walks the
-- address index and doesn't use these. They are here so that both backends have the same schema.
CREATE INDEX pins_locked_out ON pins (mailbox) WHERE locked_out;
CREATE INDEX pins_first_time_user ON pins (mailbox) WHERE first_time_user;
