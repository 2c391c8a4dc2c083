-- Accounts, API keys, campaigns and their definition, and the admin event record.
-- Tables that belong to a campaign carry campaign_id so they can later be
-- distributed by it (docs/scaling.md).

CREATE TABLE users (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username            text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@-]{2,64}$'),
    display_name        text NOT NULL DEFAULT '',
    password_hash       text NOT NULL,
    role                text NOT NULL CHECK (role IN ('admin', 'organiser', 'auditor', 'viewer')),
    disabled            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- Failed logins per account name (not per address: addresses are never stored).
CREATE TABLE login_throttle (
    username_key  text PRIMARY KEY,
    failures      integer NOT NULL DEFAULT 0,
    locked_until  timestamptz
);

CREATE TABLE api_keys (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    prefix      text NOT NULL,
    key_hash    text NOT NULL UNIQUE,
    scopes      text[] NOT NULL,
    created_by  bigint REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE campaigns (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title            text NOT NULL,
    description      text NOT NULL DEFAULT '',
    state            text NOT NULL DEFAULT 'draft'
                     CHECK (state IN ('draft', 'announced', 'open', 'closed', 'published', 'archived')),
    rules            jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_by       bigint REFERENCES users (id),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    state_changed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE voter_groups (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name         text NOT NULL,
    weight       numeric(9, 4) NOT NULL CHECK (weight >= 0),
    criteria     text NOT NULL DEFAULT '',
    eligible     integer CHECK (eligible >= 0),
    position     integer NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, name)
);

CREATE TABLE subjects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('organisation', 'person')),
    category     text NOT NULL DEFAULT '',
    unit         text NOT NULL DEFAULT '',
    commitment   text NOT NULL DEFAULT '',
    position     integer NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, name, unit)
);

CREATE TABLE rounds (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    title        text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('evaluation', 'recommendation')),
    position     integer NOT NULL DEFAULT 0
);
CREATE INDEX rounds_campaign_idx ON rounds (campaign_id, position);

CREATE TABLE sections (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    type         text NOT NULL CHECK (type IN ('rating', 'choose', 'approve', 'score', 'text')),
    title        text NOT NULL,
    config       jsonb NOT NULL DEFAULT '{}'::jsonb,
    subject_ids  bigint[],          -- NULL: every subject of the campaign (config may filter by category)
    group_ids    bigint[],          -- NULL: every voter group
    position     integer NOT NULL DEFAULT 0
);
CREATE INDEX sections_round_idx ON sections (round_id, position);

-- Admin actions, kept from the first day so nothing is lost; the hash-chained
-- audit log of a later migration takes them over.
CREATE TABLE events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint REFERENCES campaigns (id) ON DELETE SET NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_campaign_idx ON events (campaign_id, id);
