-- A sealed ballot is about 2 kB of ciphertext: random bytes, which pglz cannot shrink. Stored as
-- a bytea column always is, a row over 2 kB is first tried for compression (in vain) and then
-- moved out of line into the TOAST table: a cast wrote three tuples (the row and two TOAST
-- chunks) and three index entries, each of them logged. EXTERNAL: never compressed; and the
-- table's rows are moved out of line only past 8160 bytes, the most a page holds, so a round's
-- sealed ballots stay in their row unless the round's ballots are longer than that.
ALTER TABLE sealed_ballots ALTER COLUMN sealed SET STORAGE EXTERNAL;
ALTER TABLE sealed_ballots SET (toast_tuple_target = 8160);
