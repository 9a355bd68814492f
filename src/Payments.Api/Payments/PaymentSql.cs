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

    /// <summary>
    /// A finished request's record: request_method, request_path, request_hash, response_status and the response
    /// body — kept in the row, or (response_event_id) the payload of the event the same transaction wrote, which
    /// is the same JSON; NULL only if that event were missing, which the append-only log rules out.
    /// </summary>
    public const string SelectIdempotencyKey =
        "SELECT k.request_method, k.request_path, k.request_hash, k.response_status, " +
        "CASE WHEN k.response_event_id IS NULL THEN k.response_body ELSE t.payload END " +
        "FROM idempotency_keys k LEFT JOIN transaction_log t ON t.event_id = k.response_event_id " +
        "WHERE k.merchant_id = @merchant_id AND k.idempotency_key = @idempotency_key";

    /// <summary>A finished request's record; with @response_event_id set, @response_body is '' (the event holds it).</summary>
    public const string InsertIdempotencyKey =
        "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_method, request_path, request_hash, " +
        "response_status, response_body, response_event_id) VALUES (@merchant_id, @idempotency_key, @request_method, @request_path, " +
        "@request_hash, @response_status, @response_body, @response_event_id)";

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
