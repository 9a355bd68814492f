-- Initial schema. Hot tables (payments, ledger_entries, transaction_log, idempotency_keys) carry no
-- foreign key to merchants: an FK check takes a KEY SHARE lock on the merchant row for every insert,
-- which would turn that row into a shared hot spot under load.

CREATE TABLE merchants (
  id          text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Installation secrets generated on first start (e.g. the card fingerprint key), so they survive
-- restarts and are shared by every instance on the same database.
CREATE TABLE settings (
  name  text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE api_keys (
  key_hash    text PRIMARY KEY,            -- hex SHA-256 of the secret key; the key itself is never stored
  merchant_id text NOT NULL REFERENCES merchants (id),
  key_prefix  text NOT NULL,               -- first characters, to recognise a key in support tickets
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_merchant ON api_keys (merchant_id);

CREATE TABLE payments (
  seq               bigint GENERATED ALWAYS AS IDENTITY,
  id                text PRIMARY KEY,
  merchant_id       text NOT NULL,
  status            text NOT NULL,
  amount            bigint NOT NULL CHECK (amount > 0),
  amount_capturable bigint NOT NULL CHECK (amount_capturable >= 0),
  amount_captured   bigint NOT NULL CHECK (amount_captured >= 0 AND amount_captured <= amount),
  amount_refunded   bigint NOT NULL CHECK (amount_refunded >= 0 AND amount_refunded <= amount_captured),
  currency          text NOT NULL,
  card_brand        text NOT NULL,
  card_last4        text NOT NULL,
  card_exp_month    integer NOT NULL,
  card_exp_year     integer NOT NULL,
  card_fingerprint  text NOT NULL,
  description       text,
  metadata          text NOT NULL,
  failure_code      text,
  decline_code      text,
  failure_message   text,
  created           bigint NOT NULL
);
CREATE UNIQUE INDEX payments_merchant_seq ON payments (merchant_id, seq);

CREATE TABLE refunds (
  seq         bigint GENERATED ALWAYS AS IDENTITY,
  id          text PRIMARY KEY,
  merchant_id text NOT NULL,
  payment_id  text NOT NULL REFERENCES payments (id),
  amount      bigint NOT NULL CHECK (amount > 0),
  currency    text NOT NULL,
  status      text NOT NULL,
  reason      text,
  created     bigint NOT NULL
);
CREATE INDEX refunds_payment_seq ON refunds (payment_id, seq);

-- Double-entry journal: every movement inserts rows whose amounts sum to zero per currency.
CREATE TABLE ledger_entries (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id text NOT NULL,
  payment_id  text NOT NULL,
  refund_id   text,
  movement    text NOT NULL,               -- authorize | capture | release | refund
  account     text NOT NULL,
  currency    text NOT NULL,
  amount      bigint NOT NULL,             -- debit positive, credit negative
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_merchant ON ledger_entries (merchant_id, currency);

CREATE TABLE idempotency_keys (
  merchant_id     text NOT NULL,
  idempotency_key text NOT NULL,
  request_method  text NOT NULL,
  request_path    text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer NOT NULL,
  response_body   text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (merchant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE transaction_log (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id    text NOT NULL UNIQUE,
  merchant_id text NOT NULL,
  event_type  text NOT NULL,
  object_id   text NOT NULL,
  payload     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION transaction_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'transaction_log is append-only (% rejected)', TG_OP;
END
$$;

CREATE TRIGGER transaction_log_no_update_delete
  BEFORE UPDATE OR DELETE ON transaction_log
  FOR EACH ROW EXECUTE FUNCTION transaction_log_append_only();

CREATE TRIGGER transaction_log_no_truncate
  BEFORE TRUNCATE ON transaction_log
  FOR EACH STATEMENT EXECUTE FUNCTION transaction_log_append_only();
