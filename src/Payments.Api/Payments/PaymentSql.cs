namespace Payments.Api.Payments;

/// <summary>The payment, refund, outbox and idempotency statements both stores run (valid in both dialects).</summary>
public static class PaymentSql
{
    public const string PaymentColumns =
        "id, status, amount, amount_capturable, amount_captured, amount_refunded, currency, card_brand, card_last4, " +
        "card_exp_month, card_exp_year, description, metadata, created, failure_code, failure_message, decline_code";

    public const string RefundColumns = "id, payment_id, amount, currency, status, reason, created";

    public const string InsertPayment =
        "INSERT INTO payments (id, merchant_id, status, amount, amount_capturable, amount_captured, amount_refunded, currency, " +
        "card_brand, card_last4, card_exp_month, card_exp_year, card_fingerprint, description, metadata, failure_code, " +
        "decline_code, failure_message, created) VALUES (@payment_id, @merchant_id, @status, @amount, @amount_capturable, " +
        "@amount_captured, 0, @currency, @card_brand, @card_last4, @card_exp_month, @card_exp_year, @card_fingerprint, " +
        "@description, @metadata, @failure_code, @decline_code, @failure_message, @created)";

    public const string InsertEvent =
        "INSERT INTO transaction_log (event_id, merchant_id, event_type, object_id, payload) " +
        "VALUES (@event_id, @merchant_id, @event_type, @object_id, @payload)";

    public const string SelectIdempotencyKey =
        "SELECT request_method, request_path, request_hash, response_status, response_body FROM idempotency_keys " +
        "WHERE merchant_id = @merchant_id AND idempotency_key = @idempotency_key";

    public const string InsertIdempotencyKey =
        "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_method, request_path, request_hash, " +
        "response_status, response_body) VALUES (@merchant_id, @idempotency_key, @request_method, @request_path, " +
        "@request_hash, @response_status, @response_body)";

    public const string SelectPayment = "SELECT " + PaymentColumns + " FROM payments WHERE id = @payment_id AND merchant_id = @merchant_id";

    public const string CapturePayment =
        "UPDATE payments SET status = 'succeeded', amount_captured = @amount, amount_capturable = 0 " +
        "WHERE id = @payment_id AND merchant_id = @merchant_id AND status = 'requires_capture' AND amount_capturable >= @amount";

    public const string CancelPayment =
        "UPDATE payments SET status = 'canceled', amount_capturable = 0 " +
        "WHERE id = @payment_id AND merchant_id = @merchant_id AND status = 'requires_capture'";

    public const string AddRefundToPayment =
        "UPDATE payments SET amount_refunded = amount_refunded + @amount " +
        "WHERE id = @payment_id AND merchant_id = @merchant_id AND status = 'succeeded' AND amount_captured - amount_refunded >= @amount";

    public const string InsertRefund =
        "INSERT INTO refunds (id, merchant_id, payment_id, amount, currency, status, reason, created) " +
        "VALUES (@refund_id, @merchant_id, @payment_id, @amount, @currency, 'succeeded', @reason, @created)";
}
