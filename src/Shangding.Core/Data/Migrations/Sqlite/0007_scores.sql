-- 0007: the Shangding score (see the PostgreSQL migration).
CREATE TABLE score_opt_ins (
    subject_id    INTEGER NOT NULL PRIMARY KEY,
    opted_in_at   TEXT NOT NULL,
    opted_out_at  TEXT NULL,
    channel       TEXT NOT NULL
);

CREATE TABLE scores (
    subject_id    INTEGER NOT NULL PRIMARY KEY,
    score         INTEGER NOT NULL,
    level         TEXT NOT NULL,
    model_version TEXT NOT NULL,
    as_of         TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    explanation   TEXT NOT NULL
);

CREATE TABLE score_history (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    subject_id    INTEGER NOT NULL,
    score         INTEGER NOT NULL,
    level         TEXT NOT NULL,
    model_version TEXT NOT NULL,
    computed_at   TEXT NOT NULL,
    reason        TEXT NOT NULL
);
CREATE INDEX ix_score_history_subject ON score_history (subject_id, computed_at);
