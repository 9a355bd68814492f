-- The journal as one row per movement (issue 17): a movement debits one account and credits another
-- by the same positive amount, so a row cannot be unbalanced, and a create-payment writes one journal
-- row and two index entries where two rows and six index entries carried the same facts.
--
-- Not additive, and the one exception so far (docs/architecture.md, "The database"): ledger_entries
-- becomes a view over ledger_movements with the same columns, and an INSTEAD OF trigger turns the
-- previous release's two-row inserts into movements, so the old task set keeps writing and reading
-- while a blue/green deployment shifts traffic (LedgerJournalMigrationTests run its exact statements). A
-- later release drops the view and the trigger once no build that uses them can run.
--
-- The backfill pairs each movement's two legs by payment, refund and movement; it refuses (and the
-- whole migration rolls back) unless every leg found its partner. It holds ledger_entries' lock for
-- its length (docs/architecture.md says how long): the old version's journal writes wait for it.

-- The previous release's writes wait from here to the commit: none can land between the backfill's read and
-- the DROP (they would be lost), and the view is what they find once the lock is granted.
LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE;

CREATE TABLE ledger_movements (
  id             bigint GENERATED ALWAYS AS IDENTITY,
  merchant_id    text NOT NULL,
  payment_id     text NOT NULL,
  refund_id      text,
  movement       text NOT NULL,              -- authorize | capture | release | refund
  debit_account  text NOT NULL,
  credit_account text NOT NULL,
  currency       text NOT NULL,
  amount         bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  -- Keyed by payment: the dashboard's read of one payment's journal is the key's prefix, in id order,
  -- and no second index on payment_id is needed.
  PRIMARY KEY (payment_id, id),
  CONSTRAINT ledger_movements_balanced CHECK (amount > 0 AND debit_account <> credit_account)
);
CREATE INDEX ledger_movements_merchant ON ledger_movements (merchant_id, currency);

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

DO $$
DECLARE
  legs bigint := (SELECT count(*) FROM ledger_entries);
  movements bigint := (SELECT count(*) FROM ledger_movements);
BEGIN
  IF legs <> 2 * movements THEN
    RAISE EXCEPTION '0008: % journal rows did not pair into % movements; nothing was changed', legs, movements
      USING HINT = 'every movement must be one positive and one negative row with the same payment, refund, movement, currency and amount';
  END IF;
END $$;

DROP TABLE ledger_entries;

-- The previous release's journal: two legs per movement, debit positive, credit negative. The legs
-- of movement n have ids 2n and 2n+1, so ordering by id keeps a movement's debit before its credit.
CREATE VIEW ledger_entries AS
  SELECT id * 2 AS id, merchant_id, payment_id, refund_id, movement, debit_account AS account, currency, amount, created_at
  FROM ledger_movements
  UNION ALL
  SELECT id * 2 + 1, merchant_id, payment_id, refund_id, movement, credit_account, currency, -amount, created_at
  FROM ledger_movements;

-- The previous release inserts each movement as one statement of two rows, debit first. Each movement
-- credits a fixed account (authorize: merchant_authorized, capture: merchant_captured, release and
-- refund: acquirer_receivable), so the debit leg records the movement and the credit leg must match it.
CREATE FUNCTION ledger_entries_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  credit text := CASE NEW.movement
    WHEN 'authorize' THEN 'merchant_authorized'
    WHEN 'capture' THEN 'merchant_captured'
    WHEN 'release' THEN 'acquirer_receivable'
    WHEN 'refund' THEN 'acquirer_receivable'
  END;
BEGIN
  IF credit IS NULL THEN
    RAISE EXCEPTION 'ledger_entries: unknown movement %', NEW.movement;
  ELSIF NEW.amount > 0 THEN
    INSERT INTO ledger_movements (merchant_id, payment_id, refund_id, movement, debit_account, credit_account, currency, amount)
    VALUES (NEW.merchant_id, NEW.payment_id, NEW.refund_id, NEW.movement, NEW.account, credit, NEW.currency, NEW.amount);
  ELSIF NOT EXISTS (
      SELECT 1 FROM ledger_movements m
      WHERE m.payment_id = NEW.payment_id AND m.movement = NEW.movement AND m.refund_id IS NOT DISTINCT FROM NEW.refund_id
        AND m.credit_account = NEW.account AND m.currency = NEW.currency AND m.amount = -NEW.amount) THEN
    RAISE EXCEPTION 'ledger_entries: the credit of % % to % has no debit before it', NEW.movement, -NEW.amount, NEW.account;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_entries_insert INSTEAD OF INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_entries_insert();
