-- 0010: the rescoring queue gets a version per mark, and full recomputes keep a checkpoint
-- (see the PostgreSQL migration). The trigger counts every rewrite of a mark; it fires only on
-- updates of reason and marked_at, so its own update of seq does not fire it again.
ALTER TABLE rescore_queue ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER rescore_queue_seq AFTER UPDATE OF reason, marked_at ON rescore_queue
BEGIN
    UPDATE rescore_queue SET seq = OLD.seq + 1 WHERE subject_id = NEW.subject_id;
END;

CREATE INDEX ix_rescore_queue_marked ON rescore_queue (marked_at);

CREATE TABLE score_recompute_runs (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    model_version  TEXT NOT NULL,
    as_of          TEXT NOT NULL,
    reason         TEXT NOT NULL,
    started_at     TEXT NOT NULL,
    last_subject   INTEGER NOT NULL DEFAULT 0,
    scored         INTEGER NOT NULL DEFAULT 0,
    finished_at    TEXT NULL
);
CREATE INDEX ix_score_recompute_runs_open ON score_recompute_runs (model_version, as_of) WHERE finished_at IS NULL;
