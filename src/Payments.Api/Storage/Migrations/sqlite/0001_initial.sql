-- Initial schema (SQLite dialect of postgres/0001_initial.sql; keep the two in step).

CREATE TABLE merchants (
  id          TEXT PRIMARY KEY,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Installation secrets generated on first start (e.g. the card fingerprint key), so they survive
-- restarts and are shared by every instance on the same database.
CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE api_keys (
  key_hash    TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES merchants (id),
  key_prefix  TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE payments (
  seq               INTEGER PRIMARY KEY AUTOINCREMENT,
  id                TEXT NOT NULL UNIQUE,
  merchant_id       TEXT NOT NULL,
  status            TEXT NOT NULL,
  amount            INTEGER NOT NULL CHECK (amount > 0),
  amount_capturable INTEGER NOT NULL CHECK (amount_capturable >= 0),
  amount_captured   INTEGER NOT NULL CHECK (amount_captured >= 0 AND amount_captured <= amount),
  amount_refunded   INTEGER NOT NULL CHECK (amount_refunded >= 0 AND amount_refunded <= amount_captured),
  currency          TEXT NOT NULL,
  card_brand        TEXT NOT NULL,
  card_last4        TEXT NOT NULL,
  card_exp_month    INTEGER NOT NULL,
  card_exp_year     INTEGER NOT NULL,
  card_fingerprint  TEXT NOT NULL,
  description       TEXT,
  metadata          TEXT NOT NULL,
  failure_code      TEXT,
  decline_code      TEXT,
  failure_message   TEXT,
  created           INTEGER NOT NULL
);
CREATE INDEX payments_merchant_seq ON payments (merchant_id, seq);

CREATE TABLE refunds (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  merchant_id TEXT NOT NULL,
  payment_id  TEXT NOT NULL REFERENCES payments (id),
  amount      INTEGER NOT NULL CHECK (amount > 0),
  currency    TEXT NOT NULL,
  status      TEXT NOT NULL,
  reason      TEXT,
  created     INTEGER NOT NULL
);
CREATE INDEX refunds_payment_seq ON refunds (payment_id, seq);

CREATE TABLE ledger_entries (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  merchant_id TEXT NOT NULL,
  payment_id  TEXT NOT NULL,
  refund_id   TEXT,
  movement    TEXT NOT NULL,
  account     TEXT NOT NULL,
  currency    TEXT NOT NULL,
  amount      INTEGER NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, currency);

CREATE TABLE idempotency_keys (
  merchant_id     TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_method  TEXT NOT NULL,
  request_path    TEXT NOT NULL,
  request_hash    TEXT NOT NULL,
  response_status INTEGER NOT NULL,
  response_body   TEXT NOT NULL,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE transaction_log (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT NOT NULL UNIQUE,
  merchant_id TEXT NOT NULL,
  event_type  TEXT NOT NULL,
  object_id   TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TRIGGER transaction_log_no_update BEFORE UPDATE ON transaction_log
BEGIN
  SELECT RAISE(ABORT, 'transaction_log is append-only (UPDATE rejected)');
END;

CREATE TRIGGER transaction_log_no_delete BEFORE DELETE ON transaction_log
BEGIN
  SELECT RAISE(ABORT, 'transaction_log is append-only (DELETE rejected)');
END;
