-- Signed checkpoints (docs/audit.md, service/audit/): at a round's close, at publication and on
-- demand, the service signs, as a C2SP signed note with its Ed25519 key, the round's ballot
-- count, the RFC 9162 Merkle root of its trackers sorted by value, its campaign chain's head and
-- the SHA-256 of its canonical tally. The key itself is a file beside the round keys, never in
-- the database; its public half and every rotation (a statement signed with the old key) are
-- here, so that a bundle can carry them.
CREATE TABLE checkpoints (
    round_id    bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    number      integer NOT NULL CHECK (number >= 1),
    kind        text NOT NULL CHECK (kind IN ('close', 'publish', 'demand')),
    note        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (round_id, number)
);

CREATE TABLE audit_signing_keys (
    verifier_key  text PRIMARY KEY,
    announcement  text,  -- the rotation statement, signed by the key before it (NULL: the first key)
    created_at    timestamptz NOT NULL DEFAULT date_trunc('second', now())
);
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
REVOKE UPDATE, DELETE, TRUNCATE ON checkpoints FROM PUBLIC;
