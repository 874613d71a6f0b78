-- 0001: reporting units, subjects, credit records and their change history.
CREATE TABLE units (
    code          TEXT NOT NULL PRIMARY KEY,
    name_zh       TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    api_connected INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE subjects (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('Person', 'Organisation')),
    cert_type     TEXT NOT NULL,
    id_hash       TEXT NOT NULL,
    id_cipher     TEXT NOT NULL,
    id_masked     TEXT NOT NULL,
    name          TEXT NOT NULL,
    birth_date    TEXT NULL,
    sex           TEXT NULL,
    name_conflict INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_subjects_id_hash ON subjects (id_hash);

CREATE TABLE credit_records (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_id      INTEGER NOT NULL REFERENCES subjects (id),
    unit_code       TEXT NOT NULL REFERENCES units (code),
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
CREATE UNIQUE INDEX ix_credit_records_unit_key ON credit_records (unit_code, record_key);
CREATE INDEX ix_credit_records_subject ON credit_records (subject_id, category_code);

CREATE TABLE record_changes (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_id  INTEGER NOT NULL,
    record_id   INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    action      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    batch_id    INTEGER NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    before      TEXT NULL,
    after       TEXT NULL
);
CREATE INDEX ix_record_changes_subject ON record_changes (subject_id, record_id);
