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
