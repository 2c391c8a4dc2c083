-- Sign-in throttling keeps account names only as keyed hashes (a password typed into the name
-- field must not stay in the database): the rows kept by name go (they only ever delay).
DELETE FROM login_throttle;
-- A one-time password opens a single session, within a day of being printed.
ALTER TABLE users ADD COLUMN one_time_until timestamptz;
