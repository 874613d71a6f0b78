-- 0016: leave room in each page of scores for the next version of its rows. A full recompute rewrites every
-- row (about 700 bytes with its explanation); on full pages each new version went to a new page with a new
-- index entry and the table grew by a copy per run. With pages 45 % full the updates are heap-only (HOT): the
-- new version stays on its page, the index is untouched, and the table keeps its size. Measured on 1 million
-- scores: a recompute moving every score took 51-53 s instead of 66-67 s. Pages written before this migration
-- keep their old fill until the table is rewritten (VACUUM FULL scores, at a quiet hour).
ALTER TABLE scores SET (fillfactor = 45);
