-- Bookkeeping of the transaction-log relay (docs/transaction-log.md). Additive only: new tables,
-- nothing on transaction_log itself, so an older app version keeps running beside this one.

-- The durable cursor: every seq <= last_seq has been written to the sink or was proven to be a
-- permanent gap (rolled-back transaction). Moved only after the sink confirmed the write.
CREATE TABLE IF NOT EXISTS transaction_log_relay_cursor (
  relay           text PRIMARY KEY,
  last_seq        bigint NOT NULL CHECK (last_seq >= 0),
  exported_events bigint NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO transaction_log_relay_cursor (relay, last_seq) VALUES ('default', 0) ON CONFLICT (relay) DO NOTHING;

-- Seq ranges the relay passed as permanent gaps (no row, and every transaction that could still
-- have inserted one had ended). Kept for audit, and so a row that ever shows up in one is still
-- exported (late) instead of being lost.
CREATE TABLE IF NOT EXISTS transaction_log_relay_gaps (
  relay      text NOT NULL,
  from_seq   bigint NOT NULL,
  to_seq     bigint NOT NULL CHECK (to_seq >= from_seq),
  skipped_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (relay, from_seq)
);

-- Rows found late inside a recorded gap and exported out of order.
CREATE TABLE IF NOT EXISTS transaction_log_relay_late_exports (
  relay       text NOT NULL,
  seq         bigint NOT NULL,
  exported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (relay, seq)
);
