-- FROZEN anchor schema (issue 17): the PostgreSQL schema every anchor run was measured on until migration 0008,
-- i.e. migrations 0001-0007 of src/Payments.Api/Storage/Migrations/postgres at 6fcc613, concatenated unchanged.
-- create-payment-v1.pgbench.sql writes the journal as two rows per movement into the table ledger_entries, which
-- the service's own schema replaced with ledger_movements in 0008; bench.py builds the anchor's database from this
-- file so that the anchor keeps running the same statements on the same tables and indexes. Never regenerate.

-- ===== 0001_initial.sql =====
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

-- ===== 0002_transaction_log_relay.sql =====
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

-- ===== 0003_app_role.sql =====
-- The service's least-privilege role (docs/architecture.md, database users). Migrations run as the
-- owner; the app logs in as a member of payments_app, which may read and write rows and nothing else:
-- no DDL, no TRUNCATE, no ownership. Roles are cluster-wide, so creating it tolerates another
-- database (or a concurrent migration) having created it first.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payments_app') THEN
    CREATE ROLE payments_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;

GRANT USAGE ON SCHEMA public TO payments_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO payments_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO payments_app;
-- Tables and sequences that later migrations create (as the owner) are granted the same way.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO payments_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO payments_app;

-- ===== 0004_events_dashboard.sql =====
-- Events (GET /v1/events) read the transaction log per merchant, newest first, and look for an
-- object's earlier rows; the dashboard reads a payment's journal entries. Additive only.
CREATE INDEX IF NOT EXISTS transaction_log_merchant_seq ON transaction_log (merchant_id, seq);
CREATE INDEX IF NOT EXISTS transaction_log_object_seq ON transaction_log (object_id, seq);
CREATE INDEX IF NOT EXISTS ledger_entries_payment ON ledger_entries (payment_id);

-- Dashboard sign-in sessions (docs/dashboard.md). The browser holds the session token in an HttpOnly
-- cookie; only its SHA-256 is kept here, so a read of this table signs nobody in. Every task reads
-- the same table, so a session works whichever task serves the request.
CREATE TABLE IF NOT EXISTS dashboard_sessions (
  token_hash  text PRIMARY KEY,
  merchant_id text NOT NULL REFERENCES merchants (id),
  csrf_token  text NOT NULL,
  created_at  bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS dashboard_sessions_expires ON dashboard_sessions (expires_at);

-- ===== 0005_webhooks.sql =====
-- Webhook endpoints, their deliveries and the delivery-attempt log (docs/webhooks.md). Additive only.
-- Times the worker decides on (retries, leases, giving up) are unix milliseconds from the app's
-- clock, not now(), so every worker and the tests agree on one clock.

CREATE TABLE IF NOT EXISTS webhook_endpoints (
  seq                  bigint GENERATED ALWAYS AS IDENTITY,
  id                   text PRIMARY KEY,
  merchant_id          text NOT NULL,
  url                  text NOT NULL,
  description          text,
  enabled_events       text NOT NULL,          -- JSON array of event types
  secret               text NOT NULL,          -- the signing key itself: signing needs it (docs/webhooks.md)
  status               text NOT NULL,          -- enabled | disabled
  created              bigint NOT NULL,        -- unix seconds
  after_seq            bigint NOT NULL,        -- only transaction-log rows after this seq are delivered to it
  consecutive_failures integer NOT NULL DEFAULT 0,
  failing_since        bigint,                 -- unix ms of the first failure since the last success
  disabled_at          bigint
);
CREATE UNIQUE INDEX IF NOT EXISTS webhook_endpoints_merchant_seq ON webhook_endpoints (merchant_id, seq);

-- One row per (endpoint, event): the fan-out inserts it, the worker claims it with a lease.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id     text NOT NULL,
  merchant_id     text NOT NULL,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  ordering_key    text NOT NULL,               -- the payment an event is about: one at a time per endpoint
  payload         text NOT NULL,               -- the exact body sent on every attempt
  status          text NOT NULL,               -- pending | succeeded | failed (gave up)
  attempts        integer NOT NULL DEFAULT 0,
  created_at      bigint NOT NULL,
  next_attempt_at bigint NOT NULL,
  lease_until     bigint,
  lease_owner     text,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_deliveries_order ON webhook_deliveries (endpoint_id, ordering_key, id) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS webhook_attempts (
  seq          bigint GENERATED ALWAYS AS IDENTITY,
  id           text PRIMARY KEY,
  endpoint_id  text NOT NULL,
  merchant_id  text NOT NULL,
  event_id     text NOT NULL,
  event_type   text NOT NULL,
  attempted_at bigint NOT NULL,                -- unix ms
  status_code  integer,
  duration_ms  bigint NOT NULL,
  error        text,
  succeeded    boolean NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_attempts_endpoint_seq ON webhook_attempts (endpoint_id, seq);

-- The fan-out's cursor starts at the log's end: no endpoint exists yet to deliver older events to.
INSERT INTO transaction_log_relay_cursor (relay, last_seq)
  SELECT 'webhooks', coalesce(max(seq), 0) FROM transaction_log ON CONFLICT (relay) DO NOTHING;

-- ===== 0006_pending_voids.sql =====
-- Approvals whose payment could not be recorded and whose void the acquirer refused at the time
-- (docs/api.md, "No authorization without a record"). The worker's sweeper retries each until the
-- acquirer accepts it, or leaves it when the payment turns out to be recorded after all (a commit whose
-- answer was lost); resolved_at and resolution ('voided', 'payment_recorded') stay as the record.
-- Times are Unix milliseconds, the same in both dialects. Additive only.
CREATE TABLE IF NOT EXISTS pending_voids (
  authorization_id text PRIMARY KEY,
  payment_id       text NOT NULL,
  reason           text NOT NULL,
  created_at       bigint NOT NULL,
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  bigint NOT NULL,
  last_error       text,
  resolved_at      bigint,
  resolution       text
);
CREATE INDEX IF NOT EXISTS pending_voids_due ON pending_voids (next_attempt_at) WHERE resolved_at IS NULL;

-- ===== 0007_idempotency_response_event.sql =====
-- A finished request's response is usually the payload of the event its transaction wrote (the resource
-- after the change, byte for byte). The key's record now points at that event instead of keeping a second
-- copy (response_body is then ''); a response that is no event's payload (a decline's error object) stays
-- in response_body. Records written before this migration keep their body and a NULL here. Additive only.
ALTER TABLE idempotency_keys ADD COLUMN response_event_id text;
