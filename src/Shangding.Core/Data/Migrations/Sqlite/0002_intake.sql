-- 0002: intake batches and their rejected rows, unit API credentials, the rescoring queue and
-- the audit chain (one entry per batch, hashing its changes).
CREATE TABLE intake_batches (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_code       TEXT NOT NULL REFERENCES units (code),
    category_code   TEXT NULL,
    channel         TEXT NOT NULL,
    file_name       TEXT NULL,
    file_sha256     TEXT NULL,
    idempotency_key TEXT NULL,
    status          TEXT NOT NULL,
    total_rows      INTEGER NOT NULL DEFAULT 0,
    created         INTEGER NOT NULL DEFAULT 0,
    updated         INTEGER NOT NULL DEFAULT 0,
    unchanged       INTEGER NOT NULL DEFAULT 0,
    withdrawn       INTEGER NOT NULL DEFAULT 0,
    rejected        INTEGER NOT NULL DEFAULT 0,
    message         TEXT NULL,
    actor           TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NULL
);
CREATE INDEX ix_intake_batches_unit ON intake_batches (unit_code, category_code, started_at);
CREATE UNIQUE INDEX ix_intake_batches_idempotency ON intake_batches (unit_code, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE intake_rejects (
    batch_id    INTEGER NOT NULL REFERENCES intake_batches (id),
    row_number  INTEGER NOT NULL,
    record_key  TEXT NULL,
    cells       TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    PRIMARY KEY (batch_id, row_number)
);

CREATE TABLE unit_credentials (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_code     TEXT NOT NULL REFERENCES units (code),
    key_id        TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    categories    TEXT NOT NULL,
    label         TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT NULL,
    last_used_at  TEXT NULL
);
CREATE UNIQUE INDEX ix_unit_credentials_key ON unit_credentials (key_id);

CREATE TABLE rescore_queue (
    subject_id  INTEGER NOT NULL PRIMARY KEY,
    reason      TEXT NOT NULL,
    marked_at   TEXT NOT NULL
);

CREATE TABLE audit_entries (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    ref_id        INTEGER NULL,
    actor         TEXT NOT NULL,
    summary       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    entry_hash    TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX ix_audit_entries_ref ON audit_entries (kind, ref_id);

CREATE INDEX ix_record_changes_batch ON record_changes (batch_id) WHERE batch_id IS NOT NULL;
