-- 0012: remedies — disputes, repair, self-reports, notifications and retention (issue 6).
-- Files are stored in the database so an application and its files commit together.

-- the subject's disputes of records (003 §22–24) with their working-day deadlines
CREATE TABLE disputes (
    id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    record_id            INTEGER NOT NULL,
    subject_id           INTEGER NOT NULL,
    unit_code            TEXT NOT NULL,
    category_code        TEXT NOT NULL,
    applicant_account_id INTEGER NULL,
    reason               TEXT NOT NULL,
    status               TEXT NOT NULL,
    filed_at             TEXT NOT NULL,
    forward_due          TEXT NOT NULL,
    forwarded_at         TEXT NULL,
    forwarded_by         TEXT NULL,
    answer_due           TEXT NULL,
    answered_at          TEXT NULL,
    answered_by          TEXT NULL,
    outcome              TEXT NULL,
    answer_text          TEXT NULL,
    batch_id             INTEGER NULL,
    notify_due           TEXT NULL,
    notified_at          TEXT NULL,
    notified_by          TEXT NULL,
    overdue_flagged      TEXT NULL
);
CREATE INDEX ix_disputes_subject_filed ON disputes (subject_id, filed_at);
CREATE INDEX ix_disputes_record ON disputes (record_id);
-- At most one open dispute per record, even when two requests race.
CREATE UNIQUE INDEX ix_disputes_open_record ON disputes (record_id) WHERE status <> 'Closed';
CREATE INDEX ix_disputes_status ON disputes (status);

-- evidence and proof files, stored with what they belong to so both commit together
CREATE TABLE remedy_files (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    owner_kind   TEXT NOT NULL,
    owner_id     INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    content      BLOB NOT NULL,
    uploaded_at  TEXT NOT NULL
);
CREATE INDEX ix_remedy_files_owner ON remedy_files (owner_kind, owner_id);

-- credit repair applications (002 §7, NDRC Order No. 36)
CREATE TABLE repair_applications (
    id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    record_id            INTEGER NOT NULL,
    subject_id           INTEGER NOT NULL,
    unit_code            TEXT NOT NULL,
    applicant_account_id INTEGER NULL,
    statement            TEXT NOT NULL,
    commitment           TEXT NOT NULL,
    status               TEXT NOT NULL,
    filed_at             TEXT NOT NULL,
    decided_at           TEXT NULL,
    decided_by           TEXT NULL,
    decision_reason      TEXT NULL
);
CREATE INDEX ix_repair_applications_subject ON repair_applications (subject_id, filed_at);
CREATE INDEX ix_repair_applications_record ON repair_applications (record_id);
-- At most one pending application per record.
CREATE UNIQUE INDEX ix_repair_applications_pending_record ON repair_applications (record_id) WHERE status = 'Pending';

-- good deeds reported by residents themselves (004 §5)
CREATE TABLE self_reports (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    account_id      INTEGER NOT NULL,
    subject_id      INTEGER NOT NULL,
    category_code   TEXT NOT NULL,
    unit_code       TEXT NOT NULL,
    name            TEXT NOT NULL,
    sex             TEXT NOT NULL,
    act_date        TEXT NOT NULL,
    matter          TEXT NOT NULL,
    status          TEXT NOT NULL,
    filed_at        TEXT NOT NULL,
    decided_at      TEXT NULL,
    decided_by      TEXT NULL,
    decision_reason TEXT NULL,
    record_id       INTEGER NULL,
    batch_id        INTEGER NULL
);
CREATE INDEX ix_self_reports_subject ON self_reports (subject_id, filed_at);
CREATE INDEX ix_self_reports_unit_status ON self_reports (unit_code, status);

-- one inbox per account
CREATE TABLE notifications (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    title_zh   TEXT NOT NULL,
    title_en   TEXT NOT NULL,
    body_zh    TEXT NOT NULL,
    body_en    TEXT NOT NULL,
    link       TEXT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT NULL
);
CREATE INDEX ix_notifications_account_created ON notifications (account_id, created_at);

-- messages for the SMS and e-mail gateways, delivered at least once by a worker with retries
CREATE TABLE outbox_messages (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    notification_id INTEGER NULL,
    channel         TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    locked_until    TEXT NULL,
    last_error      TEXT NULL,
    created_at      TEXT NOT NULL,
    sent_at         TEXT NULL
);
CREATE INDEX ix_outbox_messages_status_next ON outbox_messages (status, next_attempt_at);

-- bad records about persons past the 5-year retention period (003 §20): no longer used or shown
CREATE TABLE retired_records (
    record_id  INTEGER NOT NULL PRIMARY KEY,
    subject_id INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX ix_retired_records_subject ON retired_records (subject_id);
