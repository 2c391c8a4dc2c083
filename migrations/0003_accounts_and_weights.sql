-- Sign-in throttling forgets names after a quiet day; signing out ends every session of
-- the user (a copied cookie stops working); group weights keep the precision they were given.
ALTER TABLE login_throttle ADD COLUMN last_failure_at timestamptz;
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
ALTER TABLE voter_groups ALTER COLUMN weight TYPE numeric;
