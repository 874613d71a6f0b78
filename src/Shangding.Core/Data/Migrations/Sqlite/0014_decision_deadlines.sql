-- 0014: working-day deadlines for the decision on a credit repair application and the review of a
-- self-report (docs/REMEDIES.md), and when an overdue one was reported to operators (once).
-- Rows filed before this migration get their due date from the calendar on the next daily run.
ALTER TABLE repair_applications ADD COLUMN decision_due TEXT NULL;
ALTER TABLE repair_applications ADD COLUMN overdue_flagged_at TEXT NULL;
ALTER TABLE self_reports ADD COLUMN decision_due TEXT NULL;
ALTER TABLE self_reports ADD COLUMN overdue_flagged_at TEXT NULL;
CREATE INDEX ix_repair_applications_status_due ON repair_applications (status, decision_due);
CREATE INDEX ix_self_reports_status_due ON self_reports (status, decision_due);
