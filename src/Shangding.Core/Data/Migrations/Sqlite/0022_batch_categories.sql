-- 0022: the categories a batch that names none (an API request mixing categories) furnished something in (created,
-- updated, unchanged or withdrawn), so that for reporting deadlines it counts only for those, not for every category of
-- its unit. A batch that furnished one category has it in intake_batches.category_code instead.
CREATE TABLE intake_batch_categories (
    batch_id      INTEGER NOT NULL REFERENCES intake_batches (id),
    category_code TEXT NOT NULL,
    PRIMARY KEY (batch_id, category_code)
);

-- Batches committed before: their categories as their history rows show them (created, updated, withdrawn; a batch
-- that only re-sent records unchanged left no history and counts for none).
INSERT INTO intake_batch_categories (batch_id, category_code)
SELECT DISTINCT c.batch_id, r.category_code
FROM record_changes c
JOIN intake_batches b ON b.id = c.batch_id
JOIN credit_records r ON r.id = c.record_id
WHERE b.category_code IS NULL AND b.status = 'Committed';

UPDATE intake_batches
SET category_code = (SELECT min(c.category_code) FROM intake_batch_categories c WHERE c.batch_id = intake_batches.id)
WHERE category_code IS NULL
  AND (SELECT count(*) FROM intake_batch_categories c WHERE c.batch_id = intake_batches.id) = 1;

DELETE FROM intake_batch_categories
WHERE batch_id IN (SELECT id FROM intake_batches WHERE category_code IS NOT NULL);
