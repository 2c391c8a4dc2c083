-- Paper ballots keyed by two tellers (service/paper, docs/paper.md). Two roles: 计票人 (teller)
-- and 监票人 (supervisor).
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'organiser', 'auditor', 'viewer', 'teller', 'supervisor'));

-- A paper sheet being keyed: until both entries agree, or a supervisor decides. Its token is spent
-- when it is first keyed or read from a scan ('claimed': read, no entry yet), so a phone cannot use it. Named by a hash
-- of its slip's code under a domain of its own (not the token hash of ballot_tokens), and its
-- entries (which teller keyed what) sealed under a key derived from the code, which is on the
-- paper only: a dump of this table, or its dead rows, read without the paper, says how many
-- sheets wait and nothing of what they say. Deleted once settled; the settled ballot goes the
-- way a phone's does (sealed, mixed): nothing links it back here.
CREATE TABLE paper_sheets (
    sheet        bytea PRIMARY KEY CHECK (length(sheet) = 32),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    state        text NOT NULL CHECK (state IN ('claimed', 'keyed_once', 'disputed')),
    entries      bytea NOT NULL
);
CREATE INDEX paper_sheets_campaign_idx ON paper_sheets (campaign_id);

-- Sheets settled: so that keying a sheet again says it was counted (or was a duplicate) instead
-- of calling it a duplicate of itself. The outcome only, no time, nothing of the ballot.
CREATE TABLE paper_settled (
    sheet        bytea PRIMARY KEY CHECK (length(sheet) = 32),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    outcome      text NOT NULL CHECK (outcome IN ('counted', 'spoiled', 'duplicate'))
);

-- What the paper count found, counted (no row a sheet): sheets counted, whole sheets spoiled
-- (废票) and sections spoiled with their reasons, and duplicates (a slip already used on a phone).
-- group_id 0: not known (a duplicate's token is gone, and with it its group).
CREATE TABLE paper_counts (
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    group_id     bigint NOT NULL DEFAULT 0,
    kind         text NOT NULL CHECK (kind IN ('counted', 'spoiled_ballot', 'spoiled_section', 'duplicate')),
    section_id   bigint NOT NULL DEFAULT 0,
    reason       text NOT NULL DEFAULT '',
    n            integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (round_id, group_id, kind, section_id, reason)
);
CREATE INDEX paper_counts_campaign_idx ON paper_counts (campaign_id);
