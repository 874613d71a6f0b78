-- 0022: the categories a batch that names none (an API request mixing categories) furnished something in (created,
-- updated, unchanged or withdrawn), so that for reporting deadlines it counts only for those, not for every category of
-- its unit. A batch that furnished one category has it in intake_batches.category_code instead.
CREATE TABLE intake_batch_categories (
    batch_id      bigint NOT NULL REFERENCES intake_batches (id),
    category_code text NOT NULL,
    PRIMARY KEY (batch_id, category_code)
);

-- Batches committed before: their categories as their history rows show them (created, updated, withdrawn; a batch
-- that only re-sent records unchanged left no history and counts for none). record_changes has no index by batch: one
-- pass over it, joined by hash.
INSERT INTO intake_batch_categories (batch_id, category_code)
SELECT DISTINCT c.batch_id, r.category_code
FROM record_changes c
JOIN intake_batches b ON b.id = c.batch_id
JOIN credit_records r ON r.id = c.record_id
WHERE b.category_code IS NULL AND b.status = 'Committed';

UPDATE intake_batches b
SET category_code = single.category_code
FROM (SELECT batch_id, min(category_code) AS category_code FROM intake_batch_categories GROUP BY batch_id HAVING count(*) = 1) single
WHERE b.id = single.batch_id;

DELETE FROM intake_batch_categories c
USING intake_batches b
WHERE b.id = c.batch_id AND b.category_code IS NOT NULL;
