-- While voting is open, the ballots (and portal hand-outs) of a round are rewritten in random
-- order every minute or so (service/settle.py), so that neither a live database nor last
-- night's dump keeps them in the order they were made for longer than that. A row made since
-- the last rewrite is marked in_order (as are, below, those of campaigns open now); rewritten
-- rows are not.
ALTER TABLE ballots ADD COLUMN in_order boolean NOT NULL DEFAULT false;
ALTER TABLE ballots ALTER COLUMN in_order SET DEFAULT true;
CREATE INDEX ballots_in_order_idx ON ballots (round_id) WHERE in_order;
-- Ballots of campaigns open now have not been rewritten since they were cast.
UPDATE ballots SET in_order = true WHERE campaign_id IN (SELECT id FROM campaigns WHERE state = 'open');

ALTER TABLE handouts ADD COLUMN in_order boolean NOT NULL DEFAULT false;
ALTER TABLE handouts ALTER COLUMN in_order SET DEFAULT true;
CREATE INDEX handouts_in_order_idx ON handouts (round_id) WHERE in_order;
UPDATE handouts SET in_order = true WHERE campaign_id IN (SELECT id FROM campaigns WHERE state IN ('announced', 'open'));
