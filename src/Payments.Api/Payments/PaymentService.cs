using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using Payments.Api.Acquiring;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Ledger;
using Payments.Api.Observability;
using Payments.Api.Storage;

namespace Payments.Api.Payments;

/// <summary>
/// The money-moving operations. Each runs as one database transaction that changes the state,
/// writes balanced journal entries, appends to the transaction log and claims the idempotency key,
/// so either all of it happens or none of it does.
/// </summary>
public sealed class PaymentService(
    WriteSessionFactory sessions,
    ReadQueries reads,
    IAcquirer acquirer,
    CardFingerprinter fingerprinter,
    InFlightKeys inFlight,
    PaymentsMetrics metrics,
    TimeProvider time)
{
    public const int MaxListLimit = 100;

    public async Task<ApiResult> CreateAsync(string merchantId, NewPayment payment, IdempotencyRequest? idempotency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return await WithIdempotencyAsync(merchantId, idempotency, "/v1/payments", async session =>
        {
            var authorization = await acquirer.AuthorizeAsync(payment.Card, payment.Amount, payment.Currency, cancellationToken);
            var paymentId = Ids.New("pay_");
            var status = !authorization.Approved ? "failed" : payment.Capture ? "succeeded" : "requires_capture";
            var resource = new PaymentResource(
                paymentId,
                "payment",
                status,
                payment.Amount,
                status == "requires_capture" ? payment.Amount : 0,
                status == "succeeded" ? payment.Amount : 0,
                0,
                payment.Currency,
                new CardResource(Cards.Brand(payment.Card.Number), payment.Card.Number[^4..], payment.Card.ExpMonth, payment.Card.ExpYear),
                payment.Description,
                payment.Metadata,
                time.GetUtcNow().ToUnixTimeSeconds(),
                authorization.FailureCode,
                authorization.Message);
            var paymentJson = JsonSerializer.SerializeToUtf8Bytes(resource, PaymentsJson.Context.PaymentResource);
            var paymentText = Encoding.UTF8.GetString(paymentJson);

            var insert = new Statement(PaymentSql.InsertPayment)
                .Add("payment_id", paymentId)
                .Add("merchant_id", merchantId)
                .Add("status", status)
                .Add("amount", payment.Amount)
                .Add("amount_capturable", resource.AmountCapturable)
                .Add("amount_captured", resource.AmountCaptured)
                .Add("currency", payment.Currency)
                .Add("card_brand", resource.Card.Brand)
                .Add("card_last4", resource.Card.Last4)
                .Add("card_exp_month", payment.Card.ExpMonth)
                .Add("card_exp_year", payment.Card.ExpYear)
                .Add("card_fingerprint", fingerprinter.Fingerprint(payment.Card.Number))
                .Add("description", payment.Description)
                .Add("metadata", payment.Metadata.Count == 0 ? "{}" : JsonSerializer.Serialize(payment.Metadata, PaymentsJson.Context.IReadOnlyDictionaryStringString))
                .Add("failure_code", authorization.FailureCode)
                .Add("decline_code", authorization.DeclineCode)
                .Add("failure_message", authorization.Message)
                .Add("created", resource.Created);
            var statements = new List<Statement>(4) { insert };
            if (authorization.Approved)
            {
                statements.Add(new Statement(payment.Capture ? LedgerSql.AuthorizeAndCapture : LedgerSql.Authorize)
                    .Add("merchant_id", merchantId)
                    .Add("payment_id", paymentId)
                    .Add("currency", payment.Currency)
                    .Add("amount", payment.Amount));
            }

            var eventType = status switch
            {
                "succeeded" => "payment.captured",
                "requires_capture" => "payment.authorized",
                _ => "payment.failed",
            };
            statements.Add(Event(merchantId, eventType, paymentId, paymentText));

            if (authorization.Approved)
            {
                return new Outcome(statements, new ApiResult(StatusCodes.Status201Created, paymentJson, text: paymentText), () => metrics.PaymentCreated(status, payment.Currency));
            }

            var error = PaymentsJson.ErrorBytes(new ErrorBody(
                ErrorTypes.Card, authorization.FailureCode ?? "card_declined", authorization.Message ?? "Your card was declined.",
                DeclineCode: authorization.DeclineCode, PaymentId: paymentId));
            return new Outcome(statements, new ApiResult(StatusCodes.Status402PaymentRequired, error), () =>
            {
                metrics.PaymentCreated(status, payment.Currency);
                metrics.PaymentDeclined(authorization.FailureCode ?? "card_declined", authorization.DeclineCode);
            });
        }, cancellationToken);
    }

    public async Task<ApiResult> CaptureAsync(string merchantId, string paymentId, long? amount, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        await WithIdempotencyAsync(merchantId, idempotency, "/v1/payments/{id}/capture", async session =>
        {
            var payment = await LockPaymentAsync(session, merchantId, paymentId, cancellationToken);
            if (payment.Status != "requires_capture")
            {
                throw UnexpectedState(payment, "capture", "requires_capture");
            }

            var toCapture = amount ?? payment.AmountCapturable;
            if (toCapture > payment.AmountCapturable)
            {
                throw ApiException.Invalid("amount_too_large", $"amount ({toCapture}) exceeds the capturable amount ({payment.AmountCapturable}).", "amount");
            }

            var updated = await session.RunAsync([Transition(PaymentSql.CapturePayment, merchantId, paymentId).Add("amount", toCapture)], cancellationToken);
            EnsureTransitioned(updated[0], payment, "capture");

            var released = payment.AmountCapturable - toCapture;
            var after = payment with { Status = "succeeded", AmountCaptured = toCapture, AmountCapturable = 0 };
            var result = new ApiResult(StatusCodes.Status200OK, JsonSerializer.SerializeToUtf8Bytes(after, PaymentsJson.Context.PaymentResource));
            var statements = new List<Statement>
            {
                Ledger(LedgerSql.Capture, merchantId, payment, toCapture),
                Event(merchantId, "payment.captured", paymentId, result.BodyText),
            };
            if (released > 0)
            {
                statements.Add(Ledger(LedgerSql.Release, merchantId, payment, released));
                statements.Add(Event(merchantId, "payment.released", paymentId, result.BodyText));
            }

            return new Outcome(statements, result);
        }, cancellationToken);

    public async Task<ApiResult> CancelAsync(string merchantId, string paymentId, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        await WithIdempotencyAsync(merchantId, idempotency, "/v1/payments/{id}/cancel", async session =>
        {
            var payment = await LockPaymentAsync(session, merchantId, paymentId, cancellationToken);
            if (payment.Status != "requires_capture")
            {
                throw UnexpectedState(payment, "cancel", "requires_capture");
            }

            var updated = await session.RunAsync([Transition(PaymentSql.CancelPayment, merchantId, paymentId)], cancellationToken);
            EnsureTransitioned(updated[0], payment, "cancel");
            var after = payment with { Status = "canceled", AmountCapturable = 0 };
            var result = new ApiResult(StatusCodes.Status200OK, JsonSerializer.SerializeToUtf8Bytes(after, PaymentsJson.Context.PaymentResource));
            List<Statement> statements =
            [
                Ledger(LedgerSql.Release, merchantId, payment, payment.AmountCapturable),
                Event(merchantId, "payment.canceled", paymentId, result.BodyText),
            ];
            return new Outcome(statements, result);
        }, cancellationToken);

    public async Task<ApiResult> RefundAsync(string merchantId, string paymentId, long? amount, string? reason, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        await WithIdempotencyAsync(merchantId, idempotency, "/v1/payments/{id}/refunds", async session =>
        {
            var payment = await LockPaymentAsync(session, merchantId, paymentId, cancellationToken);
            if (payment.Status != "succeeded")
            {
                throw UnexpectedState(payment, "refund", "succeeded");
            }

            var refundable = payment.AmountCaptured - payment.AmountRefunded;
            if (refundable == 0)
            {
                throw ApiException.Invalid("charge_already_refunded", $"Payment {paymentId} has already been refunded in full.", "amount");
            }

            var toRefund = amount ?? refundable;
            if (toRefund > refundable)
            {
                throw ApiException.Invalid("amount_too_large", $"amount ({toRefund}) exceeds the refundable amount ({refundable}).", "amount");
            }

            var updated = await session.RunAsync([Transition(PaymentSql.AddRefundToPayment, merchantId, paymentId).Add("amount", toRefund)], cancellationToken);
            EnsureTransitioned(updated[0], payment, "refund");

            var refund = new RefundResource(Ids.New("re_"), "refund", paymentId, toRefund, payment.Currency, "succeeded", reason, time.GetUtcNow().ToUnixTimeSeconds());
            var result = new ApiResult(StatusCodes.Status201Created, JsonSerializer.SerializeToUtf8Bytes(refund, PaymentsJson.Context.RefundResource));
            List<Statement> statements =
            [
                new Statement(PaymentSql.InsertRefund)
                    .Add("refund_id", refund.Id)
                    .Add("merchant_id", merchantId)
                    .Add("payment_id", paymentId)
                    .Add("amount", toRefund)
                    .Add("currency", payment.Currency)
                    .Add("reason", reason)
                    .Add("created", refund.Created),
                Ledger(LedgerSql.Refund, merchantId, payment, toRefund).Add("refund_id", refund.Id),
                Event(merchantId, "refund.succeeded", refund.Id, result.BodyText),
            ];
            return new Outcome(statements, result);
        }, cancellationToken);

    public async Task<PaymentResource> GetAsync(string merchantId, string paymentId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(PaymentSql.SelectPayment, true).Add("payment_id", paymentId).Add("merchant_id", merchantId), cancellationToken);
        return rows.Count == 0 ? throw NoSuchPayment(paymentId) : ReadPayment(rows[0]);
    }

    public async Task<ListResource<PaymentResource>> ListAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        var cursor = startingAfter is null ? long.MaxValue : await CursorAsync(
            new Statement("SELECT seq FROM payments WHERE id = @payment_id AND merchant_id = @merchant_id", true)
                .Add("payment_id", startingAfter).Add("merchant_id", merchantId),
            $"No such payment: '{startingAfter}'.",
            cancellationToken);

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.PaymentColumns + " FROM payments WHERE merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        var data = rows.Take(limit).Select(ReadPayment).ToList();
        return new ListResource<PaymentResource>("list", data, rows.Count > limit, "/v1/payments");
    }

    public async Task<ListResource<RefundResource>> ListRefundsAsync(string merchantId, string paymentId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        await GetAsync(merchantId, paymentId, cancellationToken);
        var cursor = startingAfter is null ? long.MaxValue : await CursorAsync(
            new Statement("SELECT seq FROM refunds WHERE id = @refund_id AND payment_id = @payment_id AND merchant_id = @merchant_id", true)
                .Add("refund_id", startingAfter).Add("payment_id", paymentId).Add("merchant_id", merchantId),
            $"No such refund: '{startingAfter}'.",
            cancellationToken);

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.RefundColumns + " FROM refunds WHERE payment_id = @payment_id AND merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("payment_id", paymentId).Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        var data = rows.Take(limit).Select(ReadRefund).ToList();
        return new ListResource<RefundResource>("list", data, rows.Count > limit, $"/v1/payments/{paymentId}/refunds");
    }

    public async Task<BalanceResource> BalanceAsync(string merchantId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(LedgerSql.Balance, true).Add("merchant_id", merchantId), cancellationToken);
        var currencies = new List<BalanceCurrency>();
        foreach (var group in rows.GroupBy(r => (string)r[0]!))
        {
            long captured = 0, refunded = 0;
            foreach (var row in group)
            {
                var sum = Convert.ToInt64(row[2], CultureInfo.InvariantCulture);
                if ((string)row[1]! == LedgerSql.MerchantCaptured)
                {
                    captured = -sum;
                }
                else
                {
                    refunded = sum;
                }
            }

            currencies.Add(new BalanceCurrency(group.Key, captured, refunded, captured - refunded));
        }

        return new BalanceResource("balance", currencies);
    }

    /// <param name="Committed">Runs once the transaction has committed (metrics).</param>
    private sealed record Outcome(List<Statement> Statements, ApiResult Result, Action? Committed = null);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction. With an idempotency key the key is claimed
    /// first (PostgreSQL: transaction-scoped advisory lock on merchant+key, then a look-up), a
    /// finished earlier request is replayed, and the new response is stored by the same COMMIT that
    /// stores the work. Requests rejected with an <see cref="ApiException"/> store nothing.
    /// </summary>
    private async Task<ApiResult> WithIdempotencyAsync(string merchantId, IdempotencyRequest? idempotency, string route, Func<WriteSession, Task<Outcome>> work, CancellationToken cancellationToken)
    {
        if (idempotency is not null && !inFlight.TryEnter(merchantId, idempotency.Key))
        {
            throw KeyInUse();
        }

        try
        {
            await using var session = await sessions.BeginAsync(cancellationToken);
            if (idempotency is not null)
            {
                var replay = await ClaimAsync(session, merchantId, idempotency, cancellationToken);
                if (replay is not null)
                {
                    metrics.IdempotencyReplayed(route);
                    return replay;
                }
            }

            var outcome = await work(session);
            if (idempotency is not null)
            {
                outcome.Statements.Add(new Statement(PaymentSql.InsertIdempotencyKey)
                    .Add("merchant_id", merchantId)
                    .Add("idempotency_key", idempotency.Key)
                    .Add("request_method", idempotency.Method)
                    .Add("request_path", idempotency.Path)
                    .Add("request_hash", idempotency.RequestHash)
                    .Add("response_status", outcome.Result.StatusCode)
                    .Add("response_body", outcome.Result.BodyText));
            }

            try
            {
                // Once the acquirer has answered, the outcome is recorded even if the client goes away.
                await session.CommitAsync(outcome.Statements, CancellationToken.None);
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation && exception.ConstraintName == "idempotency_keys_pkey")
            {
                // Another process claimed the key between our look-up and commit; nothing of ours was written.
                throw KeyInUse();
            }

            outcome.Committed?.Invoke();
            return outcome.Result;
        }
        finally
        {
            if (idempotency is not null)
            {
                inFlight.Exit(merchantId, idempotency.Key);
            }
        }
    }

    private static async Task<ApiResult?> ClaimAsync(WriteSession session, string merchantId, IdempotencyRequest idempotency, CancellationToken cancellationToken)
    {
        var lookup = new Statement(PaymentSql.SelectIdempotencyKey, true)
            .Add("merchant_id", merchantId).Add("idempotency_key", idempotency.Key);
        object?[]? stored;
        if (session.Kind == StoreKind.Postgres)
        {
            var lockKey = new Statement(PaymentSql.LockIdempotencyKey, true)
                .Add("merchant_id", merchantId).Add("idempotency_key", idempotency.Key);
            var results = await session.RunAsync([lockKey, lookup], cancellationToken);
            if (results[0].Rows[0][0] is not true)
            {
                throw KeyInUse();
            }

            stored = results[1].Rows.Count > 0 ? results[1].Rows[0] : null;
        }
        else
        {
            var results = await session.RunAsync([lookup], cancellationToken);
            stored = results[0].Rows.Count > 0 ? results[0].Rows[0] : null;
        }

        if (stored is null)
        {
            return null;
        }

        if ((string)stored[0]! != idempotency.Method || (string)stored[1]! != idempotency.Path || (string)stored[2]! != idempotency.RequestHash)
        {
            throw new ApiException(StatusCodes.Status400BadRequest, new ErrorBody(
                ErrorTypes.Idempotency, "idempotency_key_reused",
                $"Keys for idempotent requests can only be used with the same path and parameters they were first used with ({stored[0]} {stored[1]}).",
                IdempotencyRequest.HeaderName));
        }

        return new ApiResult(Convert.ToInt32(stored[3], CultureInfo.InvariantCulture), Encoding.UTF8.GetBytes((string)stored[4]!), replayed: true);
    }

    /// <summary>The <c>seq</c> a <c>starting_after</c> object id stands for; 400 when there is no such object.</summary>
    private async Task<long> CursorAsync(Statement lookup, string noSuchObject, CancellationToken cancellationToken)
    {
        var found = await reads.QueryAsync(lookup, cancellationToken);
        return found.Count == 0
            ? throw ApiException.Invalid("resource_missing", noSuchObject, "starting_after")
            : Convert.ToInt64(found[0][0], CultureInfo.InvariantCulture);
    }

    private static async Task<PaymentResource> LockPaymentAsync(WriteSession session, string merchantId, string paymentId, CancellationToken cancellationToken)
    {
        var sql = session.Kind == StoreKind.Postgres ? PaymentSql.SelectPayment + " FOR UPDATE" : PaymentSql.SelectPayment;
        var results = await session.RunAsync([new Statement(sql, true).Add("payment_id", paymentId).Add("merchant_id", merchantId)], cancellationToken);
        return results[0].Rows.Count == 0 ? throw NoSuchPayment(paymentId) : ReadPayment(results[0].Rows[0]);
    }

    private static Statement Transition(string sql, string merchantId, string paymentId) =>
        new Statement(sql).Add("payment_id", paymentId).Add("merchant_id", merchantId);

    private static void EnsureTransitioned(StatementResult result, PaymentResource payment, string action)
    {
        // The row is locked, so this only fails if the locking is broken; refuse rather than double-move money.
        if (result.RecordsAffected != 1)
        {
            throw new ApiException(StatusCodes.Status409Conflict, new ErrorBody(
                ErrorTypes.InvalidRequest, "lock_timeout", $"Payment {payment.Id} changed concurrently; retry the {action}."));
        }
    }

    private static Statement Ledger(string sql, string merchantId, PaymentResource payment, long amount) =>
        new Statement(sql).Add("merchant_id", merchantId).Add("payment_id", payment.Id).Add("currency", payment.Currency).Add("amount", amount);

    private static Statement Event(string merchantId, string eventType, string objectId, string payload) =>
        new Statement(PaymentSql.InsertEvent)
            .Add("event_id", Ids.New("evt_"))
            .Add("merchant_id", merchantId)
            .Add("event_type", eventType)
            .Add("object_id", objectId)
            .Add("payload", payload);

    private static PaymentResource ReadPayment(object?[] row)
    {
        static long L(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
        static int I(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
        var metadataJson = (string)row[12]!;
        IReadOnlyDictionary<string, string> metadata = metadataJson == "{}"
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(metadataJson, PaymentsJson.Context.DictionaryStringString)!;
        return new PaymentResource(
            (string)row[0]!, "payment", (string)row[1]!, L(row[2]), L(row[3]), L(row[4]), L(row[5]), (string)row[6]!,
            new CardResource((string)row[7]!, (string)row[8]!, I(row[9]), I(row[10])),
            (string?)row[11], metadata, L(row[13]), (string?)row[14], (string?)row[15]);
    }

    private static RefundResource ReadRefund(object?[] row) =>
        new((string)row[0]!, "refund", (string)row[1]!, Convert.ToInt64(row[2], CultureInfo.InvariantCulture), (string)row[3]!,
            (string)row[4]!, (string?)row[5], Convert.ToInt64(row[6], CultureInfo.InvariantCulture));

    private static ApiException NoSuchPayment(string paymentId) => ApiException.NotFound($"No such payment: '{paymentId}'.", "id");

    private static ApiException KeyInUse() => new(StatusCodes.Status409Conflict, new ErrorBody(
        ErrorTypes.Idempotency, "idempotency_key_in_use",
        "A request with this Idempotency-Key is still being processed; retry after it finishes."));

    private static ApiException UnexpectedState(PaymentResource payment, string action, string expected) =>
        ApiException.Invalid("payment_unexpected_state",
            $"You cannot {action} payment {payment.Id} because its status is {payment.Status}; it must be {expected}.");
}
