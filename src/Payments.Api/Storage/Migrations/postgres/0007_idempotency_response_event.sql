-- A finished request's response is usually the payload of the event its transaction wrote (the resource
-- after the change, byte for byte). The key's record now points at that event instead of keeping a second
-- copy (response_body is then ''); a response that is no event's payload (a decline's error object) stays
-- in response_body. Records written before this migration keep their body and a NULL here. Additive only.
ALTER TABLE idempotency_keys ADD COLUMN response_event_id text;
