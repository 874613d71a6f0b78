-- 0017: a signed checkpoint also names the head of the audit chain (id and entry hash), so the audit chain
-- (and through its record-history seals, the record history) is protected by the signature like the query
-- log: rewritten with recomputed hashes, or its newest entries deleted, up to the last checkpoint.
-- Checkpoints written before this migration have neither and sign what they signed then.
ALTER TABLE query_log_checkpoints ADD COLUMN audit_entry_id INTEGER NULL;
ALTER TABLE query_log_checkpoints ADD COLUMN audit_entry_hash TEXT NULL;
