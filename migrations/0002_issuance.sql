-- Ballot issuance. Tokens are stored only as SHA-256 hashes, and only while unused:
-- casting deletes the row, so no live row can later be matched with the ballot it
-- produced (by xmin, order or time). Cast counts are derived, never incremented.

CREATE TABLE batches (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id     bigint NOT NULL REFERENCES voter_groups (id) ON DELETE CASCADE,
    label        text NOT NULL DEFAULT '',
    kind         text NOT NULL CHECK (kind IN ('print', 'handout')),
    layout       text,
    size         integer NOT NULL CHECK (size > 0),
    printed      integer NOT NULL DEFAULT 0,    -- slips written to the PDF so far (progress)
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    voided_at    timestamptz
);
CREATE INDEX batches_round_idx ON batches (campaign_id, round_id, id);

-- Issued and not yet used. No timestamp, no sequence: a row says only "valid for this round and group".
CREATE TABLE ballot_tokens (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    campaign_id  bigint NOT NULL,
    round_id     bigint NOT NULL,
    group_id     bigint NOT NULL,
    batch_id     bigint NOT NULL REFERENCES batches (id) ON DELETE CASCADE
);
CREATE INDEX ballot_tokens_batch_idx ON ballot_tokens (batch_id);

-- Voided before use (lost slips, whole batches).
CREATE TABLE voided_tokens (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    campaign_id  bigint NOT NULL,
    batch_id     bigint NOT NULL REFERENCES batches (id) ON DELETE CASCADE
);
CREATE INDEX voided_tokens_batch_idx ON voided_tokens (batch_id);

-- Hand-out tokens waiting for a portal user: the seed re-derives the token (with a key
-- the database does not hold). A row is deleted when its token is handed out.
CREATE TABLE handout_pool (
    seed         bytea PRIMARY KEY CHECK (length(seed) = 16),
    campaign_id  bigint NOT NULL,
    round_id     bigint NOT NULL,
    group_id     bigint NOT NULL,
    batch_id     bigint NOT NULL REFERENCES batches (id) ON DELETE CASCADE
);
CREATE INDEX handout_pool_round_idx ON handout_pool (round_id, group_id);

-- That a portal user received a ballot in a round: a keyed hash of the portal's reference, nothing else.
CREATE TABLE handouts (
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    ref_hash     bytea NOT NULL CHECK (length(ref_hash) = 32),
    campaign_id  bigint NOT NULL,
    PRIMARY KEY (round_id, ref_hash)
);
