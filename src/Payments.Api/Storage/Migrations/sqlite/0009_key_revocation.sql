-- A secret key can be revoked (the admin command `merchants revoke-key`): authentication then refuses it, and every
-- dashboard session signed in with it ends. A session remembers its key for that; sessions started before this
-- migration name none and are no longer accepted (their merchants sign in again). Additive only: the previous
-- release neither reads nor writes these columns.
ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
ALTER TABLE dashboard_sessions ADD COLUMN key_hash TEXT;
