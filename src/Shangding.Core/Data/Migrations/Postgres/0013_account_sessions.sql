-- 0013: a session version per account; disabling an account or resetting its password raises it, and
-- every signed-in session carrying an older version is ended at its next request.
ALTER TABLE accounts ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
