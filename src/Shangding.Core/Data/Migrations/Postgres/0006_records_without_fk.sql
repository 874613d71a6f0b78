-- 0006: credit_records keeps no foreign keys. Every row is written by the intake pipeline, which takes
-- subject ids from subjects in the same transaction and units from the catalogue; per-row FK checks
-- were a third of the cost of a million-row import, and FKs cannot span shards once the table is
-- distributed by subject.
ALTER TABLE credit_records DROP CONSTRAINT IF EXISTS credit_records_subject_id_fkey;
ALTER TABLE credit_records DROP CONSTRAINT IF EXISTS credit_records_unit_code_fkey;
