-- Bookkeeping of the transaction-log relay (docs/transaction-log.md). Additive only.

CREATE TABLE IF NOT EXISTS transaction_log_relay_cursor (
  relay           TEXT PRIMARY KEY,
  last_seq        INTEGER NOT NULL CHECK (last_seq >= 0),
  exported_events INTEGER NOT NULL DEFAULT 0,
  updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT OR IGNORE INTO transaction_log_relay_cursor (relay, last_seq) VALUES ('default', 0);

-- SQLite has one writer at a time and AUTOINCREMENT is transactional, so gaps only come from a
-- manual change; the relay still records any it passes.
CREATE TABLE IF NOT EXISTS transaction_log_relay_gaps (
  relay      TEXT NOT NULL,
  from_seq   INTEGER NOT NULL,
  to_seq     INTEGER NOT NULL CHECK (to_seq >= from_seq),
  skipped_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (relay, from_seq)
);

CREATE TABLE IF NOT EXISTS transaction_log_relay_late_exports (
  relay       TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  exported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (relay, seq)
);
