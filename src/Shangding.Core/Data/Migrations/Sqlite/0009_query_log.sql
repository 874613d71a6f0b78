-- 0009: the query log (seed 003 §19); see the PostgreSQL migration.
CREATE TABLE query_log (
    id                 INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at                 TEXT NOT NULL,
    querier_account_id INTEGER NULL,
    querier_role       TEXT NOT NULL,
    querier_name       TEXT NOT NULL,
    subject_id         INTEGER NOT NULL,
    channel            TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    scope              TEXT NOT NULL,
    grant_id           INTEGER NULL,
    letter_number      TEXT NULL,
    outcome            TEXT NOT NULL,
    refusal_reason     TEXT NULL,
    prev_hash          TEXT NOT NULL,
    entry_hash         TEXT NOT NULL
);
CREATE INDEX ix_query_log_subject_at ON query_log (subject_id, at);
CREATE INDEX ix_query_log_at ON query_log (at);
