-- What the mixed ballots of a round and voter group say, counted (ballots/counts.py's record):
-- the mixer adds each batch it writes in the same transaction, so results read a row a group
-- whatever the number of ballots, and the full recount from `ballots` is a check that must agree
-- (tests/test_results.py; the auditor's verifier). No hot row on the cast path: only the mixer
-- writes here.
CREATE TABLE ballot_counts (
    round_id   bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id   bigint NOT NULL REFERENCES voter_groups (id) ON DELETE CASCADE,
    counts     jsonb NOT NULL,
    PRIMARY KEY (round_id, group_id)
);
