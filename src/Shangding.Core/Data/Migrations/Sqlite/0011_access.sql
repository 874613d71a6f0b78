-- 0011: access (seed 003 §15–19); see the PostgreSQL migration.
CREATE TABLE access_grants (
    id                    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_id            INTEGER NOT NULL,
    recipient_account_id  INTEGER NOT NULL,
    recipient_name        TEXT NOT NULL,
    scope                 TEXT NOT NULL CHECK (scope IN ('level', 'score', 'report', 'benefit')),
    benefit               TEXT NULL,
    purpose               TEXT NOT NULL,
    code_hash             TEXT NOT NULL,
    code_hint             TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    revoked_at            TEXT NULL,
    use_count             INTEGER NOT NULL DEFAULT 0,
    last_used_at          TEXT NULL
);
CREATE UNIQUE INDEX ix_access_grants_code_hash ON access_grants (code_hash);
CREATE INDEX ix_access_grants_subject ON access_grants (subject_id);

CREATE TABLE access_credentials (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    key_id        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT NULL,
    last_used_at  TEXT NULL
);
CREATE UNIQUE INDEX ix_access_credentials_key ON access_credentials (key_id);

CREATE TABLE query_log_checkpoints (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    last_entry_id   INTEGER NOT NULL,
    last_entry_hash TEXT NOT NULL,
    at              TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    signature       TEXT NOT NULL
);

CREATE TABLE record_history_seals (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind             TEXT NOT NULL,
    ref_id           INTEGER NULL,
    row_count        INTEGER NOT NULL,
    first_change_id  INTEGER NULL,
    last_change_id   INTEGER NULL,
    row_hashes       BLOB NOT NULL,
    digest           TEXT NOT NULL,
    at               TEXT NOT NULL
);
CREATE INDEX ix_accounts_subject ON accounts (subject_id);
