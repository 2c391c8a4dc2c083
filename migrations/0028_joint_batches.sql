-- One slip, several rounds (issue 13.3): a batch issued for more than one round of a campaign is
-- stored as one batch a round (so counts, turnout and voiding stay per round), the later ones
-- naming the first as joint_of. The slip carries the first round's code; each further round's
-- token is derived from it (ballots.tokens.Minter.sibling) and stored, like every token, as a
-- hash sorted by value within its own batch, so no row pairs the rounds' tokens of one slip.
ALTER TABLE batches ADD COLUMN joint_of bigint REFERENCES batches (id) ON DELETE CASCADE;
CREATE INDEX batches_joint_idx ON batches (joint_of) WHERE joint_of IS NOT NULL;
