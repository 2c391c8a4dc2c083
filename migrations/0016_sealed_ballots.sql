-- Sealed ballots (docs/voting.md, ballots/sealing.py). A cast spends its token and stores only
-- its ballot sealed under a key of its round that is never in the database, padded to one
-- length a round: the row names the round and voter group (the mixer batches by group), a random
-- id to delete it by, and the ciphertext; no token, no time. The mixer opens sealed ballots
-- only in crowds of at least k of a group and writes them to `ballots` in shuffled batches, so
-- the link between a token and its ballot is never written anywhere, WAL and backups included.
-- Ballots cast under the old design while a campaign is open would keep their order (settling
-- and the close's rewrite are gone), and a pending rewrite would never run: upgrade between votes.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM campaigns WHERE state = 'open') OR EXISTS (SELECT 1 FROM pending_scrubs) THEN
        RAISE EXCEPTION 'migration 0016 (sealed ballots) needs every campaign closed or not yet open, and no '
                        'table rewrite pending: close the open campaigns (or let their rewrite finish) and start again';
    END IF;
END $$;

CREATE TABLE sealed_ballots (
    id           bytea PRIMARY KEY CHECK (length(id) = 16),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id     bigint NOT NULL REFERENCES voter_groups (id) ON DELETE CASCADE,
    sealed       bytea NOT NULL
);
CREATE INDEX sealed_ballots_round_group_idx ON sealed_ballots (round_id, group_id);

-- What erased a link that is no longer written: the cast-order record, the settling marks and
-- the close's pending table rewrites (turnout counts ballots, sealed and mixed, per group).
DROP TABLE cast_events;
DROP TABLE pending_scrubs;
DROP INDEX IF EXISTS ballots_in_order_idx;
DROP INDEX IF EXISTS handouts_in_order_idx;
ALTER TABLE ballots DROP COLUMN in_order;
ALTER TABLE handouts DROP COLUMN in_order;
