using System.Globalization;
using System.Text.Json;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Ledger;
using Payments.Api.Storage;

namespace Payments.Api.Payments;

/// <summary>
/// The statements both SQL stores share (<see cref="PaymentSql"/>, <see cref="LedgerSql"/>) and the
/// shape of their transactions; what differs per store — how a transaction starts, how an
/// idempotency key is claimed, how a payment row is locked, which errors mean what — the
/// subclasses decide.
/// </summary>
public abstract class SqlPaymentStore(ReadQueries reads) : IPaymentStore
{
    /// <summary>A transaction on the store's writer.</summary>
    protected abstract ValueTask<WriteSession> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the key inside <paramref name="session"/>: false when another transaction holds it,
    /// otherwise the stored row (request_method, request_path, request_hash, response_status,
    /// response_body) of a finished request, or null.
    /// </summary>
    protected abstract Task<(bool Claimed, object?[]? Stored)> ClaimKeyAsync(WriteSession session, string merchantId, string key, CancellationToken cancellationToken);

    /// <summary>The SELECT that reads a payment and keeps others from changing it until commit.</summary>
    protected abstract string LockPaymentSql { get; }

    /// <summary>True when a commit failed because another process recorded the same idempotency key first.</summary>
    protected abstract bool IsIdempotencyKeyTaken(Exception exception);

    /// <summary>Deletes at most <c>@batch</c> idempotency records created more than <c>@hours</c> hours ago.</summary>
    protected abstract string DeleteExpiredKeysSql { get; }

    public async Task<PaymentOutcome> CreateAsync(string merchantId, IdempotencyRequest? idempotency, Func<CancellationToken, Task<NewPaymentRecord>> authorize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorize);
        await using var session = await BeginAsync(cancellationToken);
        if (idempotency is not null && await ClaimAsync(session, merchantId, idempotency, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var record = await authorize(cancellationToken);
        var payment = record.Payment;
        var statements = new List<Statement>(4)
        {
            new Statement(PaymentSql.InsertPayment)
                .Add("payment_id", payment.Id)
                .Add("merchant_id", merchantId)
                .Add("status", payment.Status.WireName())
                .Add("amount", payment.Amount)
                .Add("amount_capturable", payment.AmountCapturable)
                .Add("amount_captured", payment.AmountCaptured)
                .Add("currency", payment.Currency)
                .Add("card_brand", payment.Card.Brand)
                .Add("card_last4", payment.Card.Last4)
                .Add("card_exp_month", payment.Card.ExpMonth)
                .Add("card_exp_year", payment.Card.ExpYear)
                .Add("card_fingerprint", record.CardFingerprint)
                .Add("description", payment.Description)
                .Add("metadata", payment.Metadata.Count == 0 ? "{}" : JsonSerializer.Serialize(payment.Metadata, PaymentsJson.Context.IReadOnlyDictionaryStringString))
                .Add("failure_code", payment.FailureCode)
                .Add("decline_code", payment.DeclineCode)
                .Add("failure_message", payment.FailureMessage)
                .Add("created", payment.Created),
        };
        if (record.Ledger is { } entry)
        {
            statements.Add(Ledger(entry, merchantId, payment, refundId: null));
        }

        statements.Add(Event(merchantId, record.Event));
        return await CommitAsync(session, statements, merchantId, idempotency, record.Response, record.Outcome);
    }

    public async Task<PaymentOutcome> ChangeAsync(string merchantId, string paymentId, IdempotencyRequest? idempotency, Func<Payment, PaymentChange> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        await using var session = await BeginAsync(cancellationToken);
        if (idempotency is not null && await ClaimAsync(session, merchantId, idempotency, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        var locked = await session.RunAsync([new Statement(LockPaymentSql, true).Add("payment_id", paymentId).Add("merchant_id", merchantId)], cancellationToken);
        if (locked[0].Rows.Count == 0)
        {
            return new PaymentOutcome.PaymentNotFound(paymentId);
        }

        var payment = ReadPayment(locked[0].Rows[0]);
        var decision = decide(payment);
        if (decision is PaymentChange.Reject rejected)
        {
            return rejected.Outcome;
        }

        var change = (PaymentChange.Apply)decision;

        var (sql, action) = change.Transition switch
        {
            PaymentTransition.Capture => (PaymentSql.CapturePayment, "capture"),
            PaymentTransition.Cancel => (PaymentSql.CancelPayment, "cancel"),
            PaymentTransition.Refund => (PaymentSql.AddRefundToPayment, "refund"),
            _ => throw new ArgumentOutOfRangeException(nameof(decide), change.Transition, "unknown transition"),
        };
        var update = new Statement(sql).Add("payment_id", paymentId).Add("merchant_id", merchantId);
        if (change.Transition != PaymentTransition.Cancel)
        {
            update.Add("amount", change.Amount);
        }

        var updated = await session.RunAsync([update], cancellationToken);
        if (updated[0].RecordsAffected != 1)
        {
            // The row is locked, so this only happens if the locking is broken; refuse rather than double-move money.
            return new PaymentOutcome.ConcurrentChange(paymentId, action);
        }

        var statements = new List<Statement>(6);
        if (change.Refund is { } refund)
        {
            statements.Add(new Statement(PaymentSql.InsertRefund)
                .Add("refund_id", refund.Id)
                .Add("merchant_id", merchantId)
                .Add("payment_id", paymentId)
                .Add("amount", refund.Amount)
                .Add("currency", refund.Currency)
                .Add("reason", refund.Reason)
                .Add("created", refund.Created));
        }

        foreach (var entry in change.Ledger)
        {
            statements.Add(Ledger(entry, merchantId, payment, change.Refund?.Id));
        }

        foreach (var outboxEvent in change.Events)
        {
            statements.Add(Event(merchantId, outboxEvent));
        }

        return await CommitAsync(session, statements, merchantId, idempotency, change.Response, change.Outcome);
    }

    public async Task<Payment?> FindAsync(string merchantId, string paymentId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(PaymentSql.SelectPayment, true).Add("payment_id", paymentId).Add("merchant_id", merchantId), cancellationToken);
        return rows.Count == 0 ? null : ReadPayment(rows[0]);
    }

    public async Task<Page<Payment>?> ListAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        var cursor = long.MaxValue;
        if (startingAfter is not null)
        {
            var found = await reads.QueryAsync(new Statement("SELECT seq FROM payments WHERE id = @payment_id AND merchant_id = @merchant_id", true)
                .Add("payment_id", startingAfter).Add("merchant_id", merchantId), cancellationToken);
            if (found.Count == 0)
            {
                return null;
            }

            cursor = Convert.ToInt64(found[0][0], CultureInfo.InvariantCulture);
        }

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.PaymentColumns + " FROM payments WHERE merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        return new Page<Payment>(rows.Take(limit).Select(ReadPayment).ToList(), rows.Count > limit);
    }

    public async Task<Page<Refund>?> ListRefundsAsync(string merchantId, string paymentId, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        var cursor = long.MaxValue;
        if (startingAfter is not null)
        {
            var found = await reads.QueryAsync(new Statement("SELECT seq FROM refunds WHERE id = @refund_id AND payment_id = @payment_id AND merchant_id = @merchant_id", true)
                .Add("refund_id", startingAfter).Add("payment_id", paymentId).Add("merchant_id", merchantId), cancellationToken);
            if (found.Count == 0)
            {
                return null;
            }

            cursor = Convert.ToInt64(found[0][0], CultureInfo.InvariantCulture);
        }

        var rows = await reads.QueryAsync(new Statement(
                "SELECT " + PaymentSql.RefundColumns + " FROM refunds WHERE payment_id = @payment_id AND merchant_id = @merchant_id AND seq < @cursor ORDER BY seq DESC LIMIT @limit", true)
            .Add("payment_id", paymentId).Add("merchant_id", merchantId).Add("cursor", cursor).Add("limit", limit + 1), cancellationToken);
        return new Page<Refund>(rows.Take(limit).Select(ReadRefund).ToList(), rows.Count > limit);
    }

    public async Task<IReadOnlyList<CurrencyBalance>> BalanceAsync(string merchantId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(new Statement(LedgerSql.Balance, true).Add("merchant_id", merchantId), cancellationToken);
        var currencies = new List<CurrencyBalance>();
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

            currencies.Add(new CurrencyBalance(group.Key, captured, refunded));
        }

        return currencies;
    }

    public async Task<int> DeleteExpiredIdempotencyKeysAsync(int retentionHours, int batchSize, CancellationToken cancellationToken)
    {
        // A write transaction of its own: on SQLite it queues behind the writer gate like any write.
        await using var session = await BeginAsync(cancellationToken);
        var results = await session.CommitAsync([new Statement(DeleteExpiredKeysSql).Add("hours", retentionHours).Add("batch", batchSize)], cancellationToken);
        return results[0].RecordsAffected;
    }

    /// <summary>The earlier request's outcome when the key was used before (or is in use); null when this request may proceed.</summary>
    private async Task<PaymentOutcome?> ClaimAsync(WriteSession session, string merchantId, IdempotencyRequest idempotency, CancellationToken cancellationToken)
    {
        var (claimed, stored) = await ClaimKeyAsync(session, merchantId, idempotency.Key, cancellationToken);
        if (!claimed)
        {
            return new PaymentOutcome.IdempotencyKeyInUse();
        }

        if (stored is null)
        {
            return null;
        }

        if ((string)stored[0]! != idempotency.Method || (string)stored[1]! != idempotency.Path || (string)stored[2]! != idempotency.RequestHash)
        {
            return new PaymentOutcome.IdempotencyKeyReused((string)stored[0]!, (string)stored[1]!);
        }

        return new PaymentOutcome.Replayed(new StoredResponse(Convert.ToInt32(stored[3], CultureInfo.InvariantCulture), (string)stored[4]!));
    }

    private async Task<PaymentOutcome> CommitAsync(WriteSession session, List<Statement> statements, string merchantId, IdempotencyRequest? idempotency, StoredResponse response, PaymentOutcome outcome)
    {
        if (idempotency is not null)
        {
            statements.Add(new Statement(PaymentSql.InsertIdempotencyKey)
                .Add("merchant_id", merchantId)
                .Add("idempotency_key", idempotency.Key)
                .Add("request_method", idempotency.Method)
                .Add("request_path", idempotency.Path)
                .Add("request_hash", idempotency.RequestHash)
                .Add("response_status", response.Status)
                .Add("response_body", response.Body));
        }

        try
        {
            // Once the decision is made (the acquirer has answered) it is recorded even if the client goes away.
            await session.CommitAsync(statements, CancellationToken.None);
        }
        catch (Exception exception) when (IsIdempotencyKeyTaken(exception))
        {
            // Another process recorded the key between our look-up and commit; nothing of ours was written.
            return new PaymentOutcome.IdempotencyKeyInUse();
        }

        return outcome;
    }

    private static Statement Ledger(LedgerEntry entry, string merchantId, Payment payment, string? refundId)
    {
        var sql = entry.Movement switch
        {
            LedgerMovement.Authorize => LedgerSql.Authorize,
            LedgerMovement.AuthorizeAndCapture => LedgerSql.AuthorizeAndCapture,
            LedgerMovement.Capture => LedgerSql.Capture,
            LedgerMovement.Release => LedgerSql.Release,
            LedgerMovement.Refund => LedgerSql.Refund,
            _ => throw new ArgumentOutOfRangeException(nameof(entry), entry.Movement, "unknown ledger movement"),
        };
        var statement = new Statement(sql).Add("merchant_id", merchantId).Add("payment_id", payment.Id);
        if (entry.Movement == LedgerMovement.Refund)
        {
            statement.Add("refund_id", refundId ?? throw new ArgumentException("a refund movement needs its refund", nameof(refundId)));
        }

        return statement.Add("currency", payment.Currency).Add("amount", entry.Amount);
    }

    private static Statement Event(string merchantId, OutboxEvent outboxEvent) =>
        new Statement(PaymentSql.InsertEvent)
            .Add("event_id", Ids.New("evt_"))
            .Add("merchant_id", merchantId)
            .Add("event_type", outboxEvent.Type)
            .Add("object_id", outboxEvent.ObjectId)
            .Add("payload", outboxEvent.Payload);

    internal static Payment ReadPayment(object?[] row)
    {
        static long L(object? value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
        static int I(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
        var metadataJson = (string)row[12]!;
        IReadOnlyDictionary<string, string> metadata = metadataJson == "{}"
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize(metadataJson, PaymentsJson.Context.DictionaryStringString)!;
        return new Payment(
            (string)row[0]!, PaymentMapping.ParseStatus((string)row[1]!), L(row[2]), L(row[3]), L(row[4]), L(row[5]), (string)row[6]!,
            new StoredCard((string)row[7]!, (string)row[8]!, I(row[9]), I(row[10])),
            (string?)row[11], metadata, L(row[13]), (string?)row[14], (string?)row[16], (string?)row[15]);
    }

    private static Refund ReadRefund(object?[] row) =>
        new((string)row[0]!, (string)row[1]!, Convert.ToInt64(row[2], CultureInfo.InvariantCulture), (string)row[3]!,
            (string?)row[5], Convert.ToInt64(row[6], CultureInfo.InvariantCulture));
}
