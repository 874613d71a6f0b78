-- 0015: tell the planner that a subject has a handful of records. ANALYZE samples 30,000 rows, and since a
-- subject's records lie together it guessed about 72,000 distinct subjects in 10 million records (there were
-- 1 million): it then expected 144 records per subject, and for the rescoring queue's 5,000 subjects it chose a
-- parallel sequential scan of the whole table (1.6-2.3 s, most of it JIT compilation) over the subject index
-- (0.2 s). n_distinct = -0.1 says one subject per ten records, whatever the table's size.
ALTER TABLE credit_records ALTER COLUMN subject_id SET (n_distinct = -0.1);
ANALYZE credit_records;
