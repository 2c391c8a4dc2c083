-- A ballot's random id may now be drawn by the voter's page (service/web/static/tracker.js), so
-- that the voter knows the receipt code before the response arrives, without the database ever
-- linking a token to a ballot. An id the client chose is not the database's to refuse: a voter
-- holding two slips could send one id twice, and a unique key would make the mixer's batch (and
-- the close) fail on it, keeping every other ballot of the group out. Two casts are two ballots
-- whatever their ids: neither the id nor the tracker (its hash, with the answers) is a key any
-- more. Receipts are still found by a range scan, now of (round, tracker).
ALTER TABLE ballots DROP CONSTRAINT ballots_pkey;
ALTER TABLE ballots DROP CONSTRAINT ballots_tracker_key;
CREATE INDEX ballots_round_tracker_idx ON ballots (round_id, tracker);
