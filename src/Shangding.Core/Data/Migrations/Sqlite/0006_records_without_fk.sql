-- 0006: credit_records keeps no foreign keys (see the PostgreSQL migration for why). SQLite cannot
-- drop a constraint, so the table is rebuilt.
CREATE TABLE credit_records_new (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_id      INTEGER NOT NULL,
    unit_code       TEXT NOT NULL,
    category_code   TEXT NOT NULL,
    record_key      TEXT NOT NULL,
    act_date        TEXT NULL,
    severity        TEXT NULL,
    status          TEXT NOT NULL CHECK (status IN ('InForce', 'Withdrawn', 'Repaired', 'Expired')),
    fields          TEXT NOT NULL CHECK (json_valid(fields)),
    content_hash    TEXT NOT NULL,
    publication_end TEXT NULL,
    under_dispute   INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL,
    batch_id        INTEGER NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
INSERT INTO credit_records_new SELECT id, subject_id, unit_code, category_code, record_key, act_date, severity, status, fields,
    content_hash, publication_end, under_dispute, version, batch_id, created_at, updated_at FROM credit_records;
DROP TABLE credit_records;
ALTER TABLE credit_records_new RENAME TO credit_records;
CREATE UNIQUE INDEX ix_credit_records_unit_key ON credit_records (unit_code, record_key);
CREATE INDEX ix_credit_records_subject ON credit_records (subject_id, category_code);

-- The history is read by record and by subject; a batch's changes are found through its records.
DROP INDEX IF EXISTS ix_record_changes_batch;
