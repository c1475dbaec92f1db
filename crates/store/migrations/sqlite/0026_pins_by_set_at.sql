-- The PIN listing's filters on expiry (`PinExpired` false, expiring by a date) when few PINs could
-- match them: every such PIN lies in a range of pin_set_at that the policies' lifetimes bound
-- (crates/store/src/pins.rs), which this index reads in place of a walk of every address.
-- migrations/postgres/0026_pins_by_set_at.sql is the same change.
CREATE INDEX pins_set_at ON pins (expiry_forced, pin_set_at);
