-- Cast ballots. A ballot has a random id, the round and group it belongs to, its answers and
-- its tracker (SHA-256 of the ballot, the voter's receipt) — no token, no address, no user
-- agent, no time. When a round closes its ballots are rewritten in random order, so neither
-- physical order nor transaction ids keep the order in which they were cast.
CREATE TABLE ballots (
    id           uuid PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id     bigint NOT NULL REFERENCES voter_groups (id) ON DELETE CASCADE,
    answers      jsonb NOT NULL,
    tracker      bytea NOT NULL UNIQUE CHECK (length(tracker) = 32),
    source       text NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'paper'))
);
CREATE INDEX ballots_round_group_idx ON ballots (round_id, group_id);
-- Receipts show the first 80 bits of the tracker: found by a range scan of the unique index.

-- One row per ballot cast, written in the casting transaction: which round and group, nothing
-- else (no tracker: trackers in cast order would undo the shuffle; no time).
CREATE TABLE cast_events (
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL,
    group_id     bigint NOT NULL
);

-- Hand-out batches: how many pooled (never handed out) tokens were withdrawn by a void.
ALTER TABLE batches ADD COLUMN withdrawn integer NOT NULL DEFAULT 0;
