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
