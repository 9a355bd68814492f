-- FROZEN anchor (issue 17): the create-payment transaction as the service ran it at commit 962d694 (2026-12-03),
-- one payment per transaction, generated then by bench/api/pgbench_script.py from docs/api.md. Never regenerate:
-- the group-commit targets are ratios against this script. bench/api/pgbench_script.py batched() derives the
-- N-payments-per-transaction variant from it.
\set uid random(1, 9000000000000000000)
\set amount random(100, 99999)
\startpipeline
BEGIN;
SELECT pg_try_advisory_xact_lock(hashtextextended((:merchant::text) || ':' || ('pgb-' || :client_id::int || '-' || :uid::bigint), 0));
SELECT request_method, request_path, request_hash, response_status, response_body FROM idempotency_keys WHERE merchant_id = (:merchant::text) AND idempotency_key = ('pgb-' || :client_id::int || '-' || :uid::bigint);
\endpipeline
\startpipeline
INSERT INTO payments (id, merchant_id, status, amount, amount_capturable, amount_captured, amount_refunded, currency, card_brand, card_last4, card_exp_month, card_exp_year, card_fingerprint, description, metadata, failure_code, decline_code, failure_message, created) VALUES (('pay_pgb' || :uid::bigint), (:merchant::text), 'succeeded', (:amount::bigint), 0, (:amount::bigint), 0, 'usd', 'visa', '4242', 12, 2030, md5(:uid::text), 'bench', '{}', NULL, NULL, NULL, extract(epoch from now())::bigint);
INSERT INTO ledger_entries (merchant_id, payment_id, refund_id, movement, account, currency, amount) VALUES ((:merchant::text), ('pay_pgb' || :uid::bigint), NULL, 'authorize', 'acquirer_receivable', 'usd', (:amount::bigint)), ((:merchant::text), ('pay_pgb' || :uid::bigint), NULL, 'authorize', 'merchant_authorized', 'usd', -(:amount::bigint)), ((:merchant::text), ('pay_pgb' || :uid::bigint), NULL, 'capture', 'merchant_authorized', 'usd', (:amount::bigint)), ((:merchant::text), ('pay_pgb' || :uid::bigint), NULL, 'capture', 'merchant_captured', 'usd', -(:amount::bigint));
INSERT INTO transaction_log (event_id, merchant_id, event_type, object_id, payload) VALUES (('evt_pgb' || :uid::bigint), (:merchant::text), 'payment.captured', ('pay_pgb' || :uid::bigint), '{"id"="pay_pgb","object"="payment","status"="succeeded","amount"=1999,"amount_capturable"=0,"amount_captured"=1999,"amount_refunded"=0,"currency"="usd","card"={"brand"="visa","last4"="4242","exp_month"=12,"exp_year"=2030},"description"="bench","metadata"={},"created"=1795000000,"livemode"=false,"failure_code"=null,"failure_message"=null,"padding"="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_method, request_path, request_hash, response_status, response_body) VALUES ((:merchant::text), ('pgb-' || :client_id::int || '-' || :uid::bigint), 'POST', '/v1/payments', encode(sha256(:uid::text::bytea), 'hex'), 201, '{"id"="pay_pgb","object"="payment","status"="succeeded","amount"=1999,"amount_capturable"=0,"amount_captured"=1999,"amount_refunded"=0,"currency"="usd","card"={"brand"="visa","last4"="4242","exp_month"=12,"exp_year"=2030},"description"="bench","metadata"={},"created"=1795000000,"livemode"=false,"failure_code"=null,"failure_message"=null,"padding"="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}');
COMMIT;
\endpipeline
