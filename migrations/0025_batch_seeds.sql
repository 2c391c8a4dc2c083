-- A printed batch's codes can be downloaded again as CSV for a print shop's mail merge, while
-- its campaign is announced or open (docs/issuance.md "票码 CSV"). The batch keeps a random seed;
-- its tokens are re-derived from it with a key derived from SECRET_KEY (ballots.tokens.batch_seed),
-- which the database does not hold, as the hand-out pool's seeds are. The seed is erased when the
-- batch is voided and when the campaign closes (lifecycle effect batch_seeds_erased); batches made
-- before this migration have none, and their codes cannot be downloaded.
ALTER TABLE batches ADD COLUMN seed bytea CHECK (length(seed) = 32);
