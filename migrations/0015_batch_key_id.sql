-- Which SECRET_KEY a batch's ballots were minted with: a one-way id of the token MAC key
-- (service/core/keys.py), so that a server started with another SECRET_KEY can say how many
-- unused printed ballots it would refuse. NULL for batches made before this migration.
ALTER TABLE batches ADD COLUMN key_id text CHECK (key_id ~ '^[0-9a-f]{16}$');
