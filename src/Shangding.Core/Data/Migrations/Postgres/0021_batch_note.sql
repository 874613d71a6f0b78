-- 0021: what the clerk wrote about a batch they made on a record's page — the reason for withdrawing a record, or for
-- correcting it — shown on the batch's page and in the record's history.
ALTER TABLE intake_batches ADD COLUMN note text NULL;
