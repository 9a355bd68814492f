-- SQLite dialect of postgres/0004_events_dashboard.sql; keep the two in step.
-- Events (GET /v1/events) read the transaction log per merchant, newest first, and look for an
-- object's earlier rows; the dashboard reads a payment's journal entries. Additive only.
CREATE INDEX IF NOT EXISTS transaction_log_merchant_seq ON transaction_log (merchant_id, seq);
CREATE INDEX IF NOT EXISTS transaction_log_object_seq ON transaction_log (object_id, seq);
CREATE INDEX IF NOT EXISTS ledger_entries_payment ON ledger_entries (payment_id);

-- Dashboard sign-in sessions (docs/dashboard.md). The browser holds the session token in an HttpOnly
-- cookie; only its SHA-256 is kept here, so a read of this table signs nobody in. Every task reads
-- the same table, so a session works whichever task serves the request.
CREATE TABLE IF NOT EXISTS dashboard_sessions (
  token_hash  TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants (id),
  csrf_token  TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_sessions_expires ON dashboard_sessions (expires_at);
