-- 0006: credit_records keeps no foreign keys. Every row is written by the intake pipeline, which takes
-- subject ids from subjects in the same transaction and units from the catalogue; per-row FK checks
-- were a third of the cost of a million-row import, and FKs cannot span shards once the table is
-- distributed by subject.
ALTER TABLE credit_records DROP CONSTRAINT IF EXISTS credit_records_subject_id_fkey;
ALTER TABLE credit_records DROP CONSTRAINT IF EXISTS credit_records_unit_code_fkey;

-- The history is read by record and by subject; a batch's changes are found through its records.
DROP INDEX IF EXISTS ix_record_changes_batch;
