-- API keys expire, remember the day they were last used (a date only, written at most once a
-- day), and carry a rate limit counted in the database (so it holds across processes).
ALTER TABLE api_keys
    ADD COLUMN expires_at     timestamptz,
    ADD COLUMN last_used_on   date,
    ADD COLUMN rate_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_per_minute BETWEEN 1 AND 100000);

-- Keys made before expiry existed get the default term from today.
UPDATE api_keys SET expires_at = now() + interval '90 days' WHERE expires_at IS NULL;
ALTER TABLE api_keys
    ALTER COLUMN expires_at SET DEFAULT now() + interval '90 days',
    ALTER COLUMN expires_at SET NOT NULL;

-- One fixed-window counter per key and minute (minute = unix seconds / 60); past windows are
-- deleted as the key is used.
CREATE TABLE api_key_windows (
    key_id   bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    minute   bigint NOT NULL,
    requests integer NOT NULL,
    PRIMARY KEY (key_id, minute)
);
