-- Webhooks (issue 12, docs/webhooks.md): endpoints that other systems register, and an outbox of
-- messages written in the transaction of the change each announces. The audit log is where every
-- such change is already recorded in its transaction, so a trigger on it writes the outbox: no
-- code path that records an event can forget to announce it. A worker (python -m service worker)
-- delivers the messages, claiming them with FOR UPDATE SKIP LOCKED.

CREATE TABLE webhook_endpoints (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    bigint REFERENCES campaigns (id) ON DELETE CASCADE,  -- NULL: every campaign
    url            text NOT NULL CHECK (url ~ '^https?://'),
    secret         text NOT NULL CHECK (secret ~ '^whsec_'),
    event_types    text[] NOT NULL DEFAULT '{}',                       -- empty: every type
    description    text NOT NULL DEFAULT '',
    allow_private  boolean NOT NULL DEFAULT false,                     -- loopback, private, link-local targets
    disabled_at    timestamptz,
    disabled_why   text,
    created_by     text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_campaign_idx ON webhook_endpoints (campaign_id);

CREATE TABLE webhook_messages (
    id               text PRIMARY KEY,                -- the webhook-id header: the same on every retry
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order the changes were made in
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    payload          text NOT NULL,                   -- the exact JSON body that is signed and sent
    dedupe_key       text,                            -- events the worker finds by date (公示 started / ended)
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status      integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    UNIQUE (endpoint_id, dedupe_key)
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
    message_id   text NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    number       integer NOT NULL,
    at           timestamptz NOT NULL,
    status       integer,                             -- NULL: no answer (refused, timeout, blocked address)
    error        text,
    duration_ms  integer NOT NULL,
    PRIMARY KEY (message_id, number)
);

-- One message for each endpoint that wants the event: enabled, of this campaign or of all, and
-- subscribed to the type (or to every type). The body follows the Standard Webhooks form
-- {"type", "timestamp", "data"}.
CREATE FUNCTION webhook_enqueue(p_campaign bigint, p_type text, p_data jsonb, p_time timestamptz,
                                p_dedupe text DEFAULT NULL) RETURNS integer
LANGUAGE sql AS $$
    WITH sent AS (
        INSERT INTO webhook_messages (id, endpoint_id, event_type, payload, dedupe_key)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), e.id, p_type,
               jsonb_build_object('type', p_type,
                                  'timestamp', to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                                  'data', p_data)::text,
               p_dedupe
          FROM webhook_endpoints e
         WHERE e.disabled_at IS NULL
           AND (e.campaign_id IS NULL OR e.campaign_id = p_campaign)
           AND (cardinality(e.event_types) = 0 OR p_type = ANY (e.event_types))
        ON CONFLICT (endpoint_id, dedupe_key) DO NOTHING
        RETURNING 1)
    SELECT count(*)::integer FROM sent
$$;

-- The audit events that other systems are told of, and what they are told (ids, titles, counts:
-- never a voter, an objector's words or a ballot).
CREATE FUNCTION webhook_from_audit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d jsonb := NEW.payload::jsonb;
    base jsonb;
    r record;
BEGIN
    IF NEW.chain = 0 THEN
        RETURN NULL;
    END IF;
    SELECT jsonb_build_object('campaign_id', c.id, 'campaign_title', c.title) INTO base
      FROM campaigns c WHERE c.id = NEW.chain;
    IF NEW.type = 'campaign.transition' AND d->>'to' IN ('open', 'closed') THEN
        FOR r IN SELECT id, title FROM rounds WHERE campaign_id = NEW.chain ORDER BY position, id LOOP
            PERFORM webhook_enqueue(NEW.chain, CASE d->>'to' WHEN 'open' THEN 'round.opened' ELSE 'round.closed' END,
                                    base || jsonb_build_object('round_id', r.id, 'round_title', r.title),
                                    NEW.created_at);
        END LOOP;
    ELSIF NEW.type = 'campaign.transition' AND d->>'to' = 'published' THEN
        PERFORM webhook_enqueue(NEW.chain, 'results.published', base, NEW.created_at);
    ELSIF NEW.type = 'checkpoint.signed' THEN
        PERFORM webhook_enqueue(NEW.chain, 'checkpoint.signed',
                                base || jsonb_build_object('round_id', (d->>'round_id')::bigint,
                                                           'number', (d->>'number')::integer, 'kind', d->>'kind',
                                                           'ballots', (d->>'ballots')::bigint,
                                                           'note_sha256', d->>'note_sha256'),
                                NEW.created_at);
    ELSIF NEW.type = 'objection.received' THEN
        PERFORM webhook_enqueue(NEW.chain, 'objection.lodged',
                                base || jsonb_build_object('objection_id', (d->>'objection_id')::bigint),
                                NEW.created_at);
    ELSIF NEW.type = 'publication.confirmed' THEN
        PERFORM webhook_enqueue(NEW.chain, 'final_list.confirmed', base, NEW.created_at);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_webhooks AFTER INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION webhook_from_audit();
