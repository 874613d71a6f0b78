-- 0004: web accounts (operators, auditors, unit clerks, government queriers, third parties, citizens).
CREATE TABLE accounts (
    id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_name        TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL,
    unit_code        TEXT NULL REFERENCES units (code),
    subject_id       INTEGER NULL,
    password_hash    TEXT NOT NULL,
    failed_count     INTEGER NOT NULL DEFAULT 0,
    locked_until     TEXT NULL,
    disabled         INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    last_sign_in_at  TEXT NULL
);
CREATE UNIQUE INDEX ix_accounts_user_name ON accounts (lower(user_name));
