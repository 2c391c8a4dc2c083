-- The hash-chained audit log (docs/audit.md, ballots/audit.py). Every admin and ballot-lifecycle
-- event is an entry of a chain: a campaign's own (chain = its id) or the service's (chain = 0:
-- users, API keys, sign-ins, the holiday calendar). An entry commits, by its SHA-256, to the one
-- before it (prev), to its height and to its payload's SHA-256; the entry's text is stored as
-- it was hashed, so a verifier needs only SHA-256 and a JSON parser:
--   {"actor":…,"chain":…,"height":…,"payload":"<sha256 hex of payload>","prev":"<hex>","time":"…Z","type":…}
-- (keys in code-point order, no spaces; prev of height 0 is 32 zero bytes; time to the second, UTC).
-- Written only by audit_append(), in the transaction of the change it records; the table
-- refuses UPDATE, DELETE and TRUNCATE. No sequence: the order is (chain, height), and across
-- chains the time, so writing an entry (the mixer's batches will) moves no counter anywhere.
CREATE TABLE audit_log (
    chain       bigint NOT NULL CHECK (chain >= 0),
    height      bigint NOT NULL CHECK (height >= 0),
    prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
    entry_hash  bytea NOT NULL CHECK (length(entry_hash) = 32),
    entry       text NOT NULL,
    payload     text NOT NULL,
    type        text NOT NULL,
    actor       text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (chain, height)
);
CREATE INDEX audit_log_time_idx ON audit_log (created_at, chain, height);
CREATE INDEX audit_log_type_idx ON audit_log (type, created_at);

CREATE FUNCTION audit_entry_text(p_chain bigint, p_height bigint, p_prev bytea, p_type text, p_actor text,
                                 p_payload text, p_time timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT '{"actor":' || to_json(p_actor)::text
        || ',"chain":' || p_chain
        || ',"height":' || p_height
        || ',"payload":"' || encode(sha256(convert_to(p_payload, 'UTF8')), 'hex')
        || '","prev":"' || encode(p_prev, 'hex')
        || '","time":"' || to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        || '","type":' || to_json(p_type)::text || '}'
$$;

-- Append one entry to its chain and return its hash. The chain's advisory lock, held to the end
-- of the transaction, serialises appenders of one chain; the head is read after it is taken (a
-- statement of its own: a fresh snapshot), so two appenders never take one height.
CREATE FUNCTION audit_append(p_chain bigint, p_type text, p_actor text, p_details jsonb,
                             p_time timestamptz DEFAULT now()) RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    v_height  bigint := 0;
    v_prev    bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    v_payload text := coalesce(p_details, '{}'::jsonb)::text;
    v_time    timestamptz := date_trunc('second', p_time);
    v_entry   text;
    v_hash    bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(8099575774928961536 + p_chain);  -- ("pgyA" << 32) + the chain
    SELECT a.height + 1, a.entry_hash INTO v_height, v_prev
      FROM audit_log a WHERE a.chain = p_chain ORDER BY a.height DESC LIMIT 1;
    IF NOT FOUND THEN
        v_height := 0;
        v_prev := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    END IF;
    v_entry := audit_entry_text(p_chain, v_height, v_prev, p_type, p_actor, v_payload, v_time);
    v_hash := sha256(convert_to(v_entry, 'UTF8'));
    INSERT INTO audit_log (chain, height, prev_hash, entry_hash, entry, payload, type, actor, created_at)
    VALUES (p_chain, v_height, v_prev, v_hash, v_entry, v_payload, p_type, p_actor, v_time);
    RETURN v_hash;
END
$$;

CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse();
-- Where the service runs as a role that does not own the table, privileges refuse it too.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;

-- The events recorded so far, carried into their chains in the order they were written.
DO $$
DECLARE
    e record;
BEGIN
    FOR e IN SELECT coalesce(campaign_id, 0) AS chain, action, actor, details, created_at FROM events ORDER BY id LOOP
        PERFORM audit_append(e.chain, e.action, e.actor, e.details, e.created_at);
    END LOOP;
END $$;
DROP TABLE events;
