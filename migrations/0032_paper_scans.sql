-- Scanned paper ballots read by the service (ballots/omr.py, docs/paper.md). An upload is a job
-- whose progress the page shows; each ballot read is a scan waiting for a teller to confirm it.
-- Its slip's code is sealed under a key derived from the round's sealing key (gone with the
-- close), and its crops — handwriting — are in a file under the service's data directory sealed
-- under a key from the code: both are deleted once the sheet is settled; the hash of every
-- uploaded file stays in the audit chain (paper.scans_uploaded).
CREATE TABLE paper_scan_jobs (
    id           bytea PRIMARY KEY CHECK (length(id) = 16),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    total        integer NOT NULL DEFAULT 0,
    done         integer NOT NULL DEFAULT 0,
    sheets       integer NOT NULL DEFAULT 0,
    problems     jsonb NOT NULL DEFAULT '[]',
    finished     boolean NOT NULL DEFAULT false
);

CREATE TABLE paper_scans (
    id           bytea PRIMARY KEY CHECK (length(id) = 16),
    sheet        bytea NOT NULL CHECK (length(sheet) = 32),
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    round_id     bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    sealed_code  bytea NOT NULL,
    flagged      integer NOT NULL DEFAULT 0,
    to_type      integer NOT NULL DEFAULT 0
);
CREATE INDEX paper_scans_sheet_idx ON paper_scans (sheet);
CREATE INDEX paper_scans_campaign_idx ON paper_scans (campaign_id);
