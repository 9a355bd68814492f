-- SQLite dialect of postgres/0005_webhooks.sql; keep the two in step.

CREATE TABLE IF NOT EXISTS webhook_endpoints (
  seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
  id                   TEXT NOT NULL UNIQUE,
  merchant_id          TEXT NOT NULL,
  url                  TEXT NOT NULL,
  description          TEXT,
  enabled_events       TEXT NOT NULL,
  secret               TEXT NOT NULL,
  status               TEXT NOT NULL,
  created              INTEGER NOT NULL,
  after_seq            INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  failing_since        INTEGER,
  disabled_at          INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_endpoints_merchant_seq ON webhook_endpoints (merchant_id, seq);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  endpoint_id     TEXT NOT NULL,
  merchant_id     TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  ordering_key    TEXT NOT NULL,
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  lease_until     INTEGER,
  lease_owner     TEXT,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_order ON webhook_deliveries (endpoint_id, ordering_key, id) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS webhook_attempts (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  endpoint_id  TEXT NOT NULL,
  merchant_id  TEXT NOT NULL,
  event_id     TEXT NOT NULL,
  event_type   TEXT NOT NULL,
  attempted_at INTEGER NOT NULL,
  status_code  INTEGER,
  duration_ms  INTEGER NOT NULL,
  error        TEXT,
  succeeded    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_endpoint_seq ON webhook_attempts (endpoint_id, seq);

INSERT OR IGNORE INTO transaction_log_relay_cursor (relay, last_seq) SELECT 'webhooks', coalesce(max(seq), 0) FROM transaction_log;
