-- 0008: which score model is active. The newest row wins; with no row, the newest model file.
CREATE TABLE score_model_activations (
    id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    version       TEXT NOT NULL,
    activated_at  TEXT NOT NULL,
    activated_by  TEXT NOT NULL,
    note          TEXT NULL
);
