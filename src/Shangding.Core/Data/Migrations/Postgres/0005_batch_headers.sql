-- 0005: what a batch's file looked like (its header, for the rejects file) and its warnings.
ALTER TABLE intake_batches ADD COLUMN header_cells jsonb NULL;
ALTER TABLE intake_batches ADD COLUMN warnings jsonb NULL;
