-- 0003: written reminders (催报) for missed reporting deadlines and the listing for a circulated
-- criticism (通报批评) when a reminder went unanswered (seed 003 §13).
CREATE TABLE reporting_reminders (
    id                   INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    unit_code            TEXT NOT NULL REFERENCES units (code),
    category_code        TEXT NOT NULL,
    period_start         TEXT NOT NULL,
    period_end           TEXT NOT NULL,
    deadline             TEXT NOT NULL,
    reminded_at          TEXT NOT NULL,
    reminder_deadline    TEXT NOT NULL,
    resolved_at          TEXT NULL,
    criticism_listed_at  TEXT NULL
);
-- One reminder per missed period: running the daily job twice writes nothing new.
CREATE UNIQUE INDEX ix_reporting_reminders_period ON reporting_reminders (unit_code, category_code, period_start);
CREATE INDEX ix_reporting_reminders_open ON reporting_reminders (unit_code, category_code) WHERE resolved_at IS NULL;
CREATE INDEX ix_intake_batches_finished ON intake_batches (unit_code, finished_at) WHERE status = 'Committed';
