-- Rating and approve answers as one packed counter a ballot (ballots.forms.pack_marks): a
-- round's counts are then one sum() per group (docs/results.md, bench/tally.py). NULL for
-- ballots that have none (or were stored before this column), which are counted from answers.
ALTER TABLE ballots ADD COLUMN tally numeric;
-- The few ballots counted from their answers are found without reading the round.
CREATE INDEX ballots_uncounted_idx ON ballots (round_id) WHERE tally IS NULL;
