-- A closed campaign whose old row versions (ballots in cast order, used tokens' hashes, hand-outs)
-- may still lie in the table files: the close records it here in its own transaction, and the
-- row goes once VACUUM FULL has rewritten those tables (service/scrub.py). A failed or
-- interrupted rewrite is retried by every settling pass until it succeeds.
CREATE TABLE pending_scrubs (
    campaign_id  bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE
);
