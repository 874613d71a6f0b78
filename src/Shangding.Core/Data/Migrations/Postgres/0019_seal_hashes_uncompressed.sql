-- 0019: a seal's row hashes (24 bytes a history row: its id, then 16 bytes of SHA-256) are stored without
-- compression. A 1,000-row batch's 24 KB was handed to pglz on every insert: the ids' shared high bytes gave
-- it enough matches to search all of the value, and the random hash bytes never saved the 25 % it asks for,
-- so the work was thrown away (pg_stat_statements, the JSON API with two clients: 1.13 ms of each batch's
-- seal insert). EXTERNAL keeps the value out of line, uncompressed; rows already stored stay as they are.
ALTER TABLE record_history_seals ALTER COLUMN row_hashes SET STORAGE EXTERNAL;
