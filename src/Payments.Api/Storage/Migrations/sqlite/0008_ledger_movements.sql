-- SQLite dialect of postgres/0008_ledger_movements.sql; keep the two in step.
-- The journal as one row per movement: a movement debits one account and credits another by the same
-- positive amount. ledger_entries becomes a view with the previous release's columns, and an INSTEAD
-- OF trigger turns its two-row inserts into movements. The backfill refuses (the migration rolls back)
-- unless every leg found its partner.

CREATE TABLE ledger_movements (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  merchant_id    TEXT NOT NULL,
  payment_id     TEXT NOT NULL,
  refund_id      TEXT,
  movement       TEXT NOT NULL,
  debit_account  TEXT NOT NULL,
  credit_account TEXT NOT NULL,
  currency       TEXT NOT NULL,
  amount         INTEGER NOT NULL,
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  CONSTRAINT ledger_movements_balanced CHECK (amount > 0 AND debit_account <> credit_account)
);
CREATE INDEX ledger_movements_merchant ON ledger_movements (merchant_id, currency);
CREATE INDEX ledger_movements_payment ON ledger_movements (payment_id);

-- One pass over the journal, grouped by movement (GROUP BY puts the NULL refund_id of payment movements
-- together): a group becomes a movement only when it is exactly one debit and one credit that balance.
INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount, created_at)
SELECT merchant_id, payment_id, refund_id, movement,
       max(CASE WHEN amount > 0 THEN account END), max(CASE WHEN amount < 0 THEN account END),
       currency, max(amount), min(created_at)
FROM ledger_entries
GROUP BY payment_id, refund_id, movement, merchant_id, currency
HAVING count(*) = 2 AND sum(CASE WHEN amount > 0 THEN 1 ELSE 0 END) = 1 AND sum(amount) = 0
ORDER BY min(id);

-- SQLite has no RAISE outside triggers: a failed CHECK on this scratch row stops the migration.
CREATE TEMP TABLE ledger_backfill_check (
  legs INTEGER NOT NULL,
  movements INTEGER NOT NULL,
  CONSTRAINT every_journal_row_paired_into_a_movement CHECK (legs = 2 * movements)
);
INSERT INTO ledger_backfill_check (legs, movements)
SELECT (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM ledger_movements);
DROP TABLE temp.ledger_backfill_check;

DROP TABLE ledger_entries;

CREATE VIEW ledger_entries AS
  SELECT id * 2 AS id, merchant_id, payment_id, refund_id, movement, debit_account AS account, currency, amount, created_at
  FROM ledger_movements
  UNION ALL
  SELECT id * 2 + 1, merchant_id, payment_id, refund_id, movement, credit_account, currency, -amount, created_at
  FROM ledger_movements;

CREATE TRIGGER ledger_entries_insert INSTEAD OF INSERT ON ledger_entries
BEGIN
  SELECT RAISE(ABORT, 'ledger_entries: unknown movement')
  WHERE NEW.movement NOT IN ('authorize', 'capture', 'release', 'refund');
  INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount)
  SELECT NEW.merchant_id, NEW.payment_id, NEW.refund_id, NEW.movement, NEW.account,
         CASE NEW.movement WHEN 'authorize' THEN 'merchant_authorized' WHEN 'capture' THEN 'merchant_captured' ELSE 'acquirer_receivable' END,
         NEW.currency, NEW.amount
  WHERE NEW.amount > 0;
  SELECT RAISE(ABORT, 'ledger_entries: a credit row has no debit before it')
  WHERE NEW.amount <= 0 AND NOT EXISTS (
    SELECT 1 FROM ledger_movements m
    WHERE m.payment_id = NEW.payment_id AND m.movement = NEW.movement AND m.refund_id IS NEW.refund_id
      AND m.credit_account = NEW.account AND m.currency = NEW.currency AND m.amount = -NEW.amount);
END;
