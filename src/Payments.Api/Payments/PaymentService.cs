using System.Text;
using System.Text.Json;
using Payments.Api.Acquiring;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Observability;

namespace Payments.Api.Payments;

/// <summary>
/// The money-moving decisions. Each operation is decided here and kept by the store
/// (<see cref="IPaymentStore"/>) in one commit: state, balanced journal entries, the transaction
/// log event and the idempotency record, all or nothing. No authorization is left without a
/// record: when the write after an approval fails, the authorization is voided with the acquirer,
/// and a void the acquirer refuses goes to the <see cref="VoidRetries"/> until it is done or recorded.
/// </summary>
public sealed partial class PaymentService(
    IPaymentStore store,
    IAcquirer acquirer,
    CardFingerprinter fingerprinter,
    InFlightKeys inFlight,
    PaymentsMetrics metrics,
    TimeProvider time,
    ILogger<PaymentService> logger,
    VoidRetries voidRetries)
{
    public const int MaxListLimit = 100;

    public async Task<PaymentOutcome> CreateAsync(string merchantId, NewPayment payment, IdempotencyRequest? idempotency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        AuthorizationResult? authorization = null;
        string? paymentId = null;
        PaymentOutcome outcome;
        try
        {
            outcome = await WithKeyAsync(merchantId, idempotency, "/v1/payments", () => store.CreateAsync(merchantId, idempotency, async token =>
            {
                authorization = await acquirer.AuthorizeAsync(payment.Card, payment.Amount, payment.Currency, token);
                var record = Decide(payment, authorization);
                paymentId = record.Payment.Id;
                return record;
            }, cancellationToken));
        }
        catch (Storage.CommitOutcomeUnknownException) when (authorization is { Approved: true })
        {
            // The payment may be recorded: voiding now could release funds of a payment a retry replays,
            // so the sweeper decides once the database answers (it voids only if the payment is absent).
            LogKeptForReconciliation(logger, authorization.AuthorizationId!, paymentId ?? "(not made)");
            voidRetries.EnqueueUnresolved(authorization.AuthorizationId!, paymentId ?? "(not made)", "commit outcome unknown");
            throw;
        }
        catch (Exception exception) when (authorization is { Approved: true })
        {
            await VoidAsync(authorization, paymentId ?? "(not made)", exception.GetType().Name);
            throw;
        }

        switch (outcome)
        {
            case PaymentOutcome.Created created:
                metrics.PaymentCreated(created.Payment.Status.WireName(), created.Payment.Currency);
                break;
            case PaymentOutcome.Declined declined:
                metrics.PaymentCreated(declined.Payment.Status.WireName(), declined.Payment.Currency);
                metrics.PaymentDeclined(declined.Payment.FailureCode ?? "card_declined", declined.Payment.DeclineCode);
                break;
            default:
                if (authorization is { Approved: true })
                {
                    // Authorized, then refused by the store (another process recorded the key first): nothing of ours was kept.
                    await VoidAsync(authorization, paymentId ?? "(not made)", outcome.GetType().Name);
                }

                break;
        }

        return outcome;
    }

    public Task<PaymentOutcome> CaptureAsync(string merchantId, string paymentId, long? amount, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        WithKeyAsync(merchantId, idempotency, "/v1/payments/{id}/capture", () => store.ChangeAsync(merchantId, paymentId, idempotency, payment =>
        {
            if (payment.Status != PaymentStatus.RequiresCapture)
            {
                return new PaymentChange.Reject(new PaymentOutcome.UnexpectedState(payment, "capture", PaymentStatus.RequiresCapture));
            }

            var toCapture = amount ?? payment.AmountCapturable;
            if (toCapture > payment.AmountCapturable)
            {
                return new PaymentChange.Reject(new PaymentOutcome.AmountTooLarge(toCapture, payment.AmountCapturable, "capturable"));
            }

            var released = payment.AmountCapturable - toCapture;
            var after = payment with { Status = PaymentStatus.Succeeded, AmountCaptured = toCapture, AmountCapturable = 0 };
            var body = Snapshot(after);
            List<LedgerEntry> ledger = [new(LedgerMovement.Capture, toCapture)];
            List<OutboxEvent> events = [new("payment.captured", payment.Id, body.Text)];
            if (released > 0)
            {
                ledger.Add(new(LedgerMovement.Release, released));
                events.Add(new("payment.released", payment.Id, body.Text));
            }

            var outcome = new PaymentOutcome.Changed(after, body);
            return new PaymentChange.Apply(PaymentTransition.Capture, toCapture, null, ledger, events, outcome, PaymentResponses.ForReplay(outcome));
        }, cancellationToken));

    public Task<PaymentOutcome> CancelAsync(string merchantId, string paymentId, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        WithKeyAsync(merchantId, idempotency, "/v1/payments/{id}/cancel", () => store.ChangeAsync(merchantId, paymentId, idempotency, payment =>
        {
            if (payment.Status != PaymentStatus.RequiresCapture)
            {
                return new PaymentChange.Reject(new PaymentOutcome.UnexpectedState(payment, "cancel", PaymentStatus.RequiresCapture));
            }

            var after = payment with { Status = PaymentStatus.Canceled, AmountCapturable = 0 };
            var body = Snapshot(after);
            var outcome = new PaymentOutcome.Changed(after, body);
            return new PaymentChange.Apply(
                PaymentTransition.Cancel, payment.AmountCapturable, null,
                [new(LedgerMovement.Release, payment.AmountCapturable)],
                [new("payment.canceled", payment.Id, body.Text)],
                outcome, PaymentResponses.ForReplay(outcome));
        }, cancellationToken));

    public Task<PaymentOutcome> RefundAsync(string merchantId, string paymentId, long? amount, string? reason, IdempotencyRequest? idempotency, CancellationToken cancellationToken) =>
        WithKeyAsync(merchantId, idempotency, "/v1/payments/{id}/refunds", () => store.ChangeAsync(merchantId, paymentId, idempotency, payment =>
        {
            if (payment.Status != PaymentStatus.Succeeded)
            {
                return new PaymentChange.Reject(new PaymentOutcome.UnexpectedState(payment, "refund", PaymentStatus.Succeeded));
            }

            if (payment.Refundable == 0)
            {
                return new PaymentChange.Reject(new PaymentOutcome.AlreadyRefunded(payment.Id));
            }

            var toRefund = amount ?? payment.Refundable;
            if (toRefund > payment.Refundable)
            {
                return new PaymentChange.Reject(new PaymentOutcome.AmountTooLarge(toRefund, payment.Refundable, "refundable"));
            }

            var refund = new Refund(Ids.NewSortable("re_", time.GetUtcNow().ToUnixTimeMilliseconds()), payment.Id, toRefund, payment.Currency, reason, time.GetUtcNow().ToUnixTimeSeconds());
            var bytes = JsonSerializer.SerializeToUtf8Bytes(refund.ToResource(), PaymentsJson.Context.RefundResource);
            var body = new JsonSnapshot(bytes, Encoding.UTF8.GetString(bytes));
            var outcome = new PaymentOutcome.Refunded(refund, body);
            return new PaymentChange.Apply(
                PaymentTransition.Refund, toRefund, refund,
                [new(LedgerMovement.Refund, toRefund)],
                [new("refund.succeeded", refund.Id, body.Text)],
                outcome, PaymentResponses.ForReplay(outcome));
        }, cancellationToken));

    public Task<Payment?> GetAsync(string merchantId, string paymentId, CancellationToken cancellationToken) =>
        store.FindAsync(merchantId, paymentId, cancellationToken);

    public Task<Page<Payment>?> ListAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken) =>
        store.ListAsync(merchantId, limit, startingAfter, cancellationToken);

    public Task<Page<Refund>?> ListRefundsAsync(string merchantId, string paymentId, int limit, string? startingAfter, CancellationToken cancellationToken) =>
        store.ListRefundsAsync(merchantId, paymentId, limit, startingAfter, cancellationToken);

    public Task<IReadOnlyList<CurrencyBalance>> BalanceAsync(string merchantId, CancellationToken cancellationToken) =>
        store.BalanceAsync(merchantId, cancellationToken);

    public static JsonSnapshot Snapshot(Payment payment)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(payment.ToResource(), PaymentsJson.Context.PaymentResource);
        return new JsonSnapshot(bytes, Encoding.UTF8.GetString(bytes));
    }

    private NewPaymentRecord Decide(NewPayment payment, AuthorizationResult authorization)
    {
        var status = !authorization.Approved ? PaymentStatus.Failed : payment.Capture ? PaymentStatus.Succeeded : PaymentStatus.RequiresCapture;
        var now = time.GetUtcNow();
        var entity = new Payment(
            Ids.NewSortable("pay_", now.ToUnixTimeMilliseconds()),
            status,
            payment.Amount,
            status == PaymentStatus.RequiresCapture ? payment.Amount : 0,
            status == PaymentStatus.Succeeded ? payment.Amount : 0,
            0,
            payment.Currency,
            new StoredCard(Cards.Brand(payment.Card.Number), payment.Card.Number[^4..], payment.Card.ExpMonth, payment.Card.ExpYear),
            payment.Description,
            payment.Metadata,
            now.ToUnixTimeSeconds(),
            authorization.FailureCode,
            authorization.DeclineCode,
            authorization.Message);
        var body = Snapshot(entity);
        var eventType = status switch
        {
            PaymentStatus.Succeeded => "payment.captured",
            PaymentStatus.RequiresCapture => "payment.authorized",
            _ => "payment.failed",
        };
        PaymentOutcome outcome = authorization.Approved ? new PaymentOutcome.Created(entity, body) : new PaymentOutcome.Declined(entity);
        var ledger = !authorization.Approved ? null
            : new LedgerEntry(payment.Capture ? LedgerMovement.AuthorizeAndCapture : LedgerMovement.Authorize, payment.Amount);
        return new NewPaymentRecord(entity, fingerprinter.Fingerprint(payment.Card.Number), ledger,
            new OutboxEvent(eventType, entity.Id, body.Text), outcome, PaymentResponses.ForReplay(outcome));
    }

    /// <summary>
    /// Keeps a second request with the same key in this process from queueing behind the first (it
    /// gets 409 at once); the store decides across processes.
    /// </summary>
    private async Task<PaymentOutcome> WithKeyAsync(string merchantId, IdempotencyRequest? idempotency, string route, Func<Task<PaymentOutcome>> operation)
    {
        if (idempotency is not null && !inFlight.TryEnter(merchantId, idempotency.Key))
        {
            return new PaymentOutcome.IdempotencyKeyInUse();
        }

        try
        {
            var outcome = await operation();
            if (outcome is PaymentOutcome.Replayed)
            {
                metrics.IdempotencyReplayed(route);
            }

            return outcome;
        }
        finally
        {
            if (idempotency is not null)
            {
                inFlight.Exit(merchantId, idempotency.Key);
            }
        }
    }

    /// <summary>Releases an approval whose payment was not recorded, so the card holder's funds are not held for nothing.</summary>
    private async Task VoidAsync(AuthorizationResult authorization, string paymentId, string reason)
    {
        try
        {
            await acquirer.VoidAsync(authorization.AuthorizationId!, CancellationToken.None);
            metrics.AuthorizationVoided(accepted: true);
            LogVoided(logger, authorization.AuthorizationId!, paymentId, reason);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            metrics.AuthorizationVoided(accepted: false);
            LogVoidFailed(logger, exception, authorization.AuthorizationId!, paymentId, reason);
            voidRetries.Enqueue(authorization.AuthorizationId!, paymentId, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voided authorization {AuthorizationId} of payment {PaymentId}: its record was not written ({Reason})")]
    private static partial void LogVoided(ILogger logger, string authorizationId, string paymentId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Authorization {AuthorizationId} of payment {PaymentId} is kept, not voided: its commit failed in flight and whether it happened is unknown; recorded for the void sweeper, which voids it only if the payment is absent")]
    private static partial void LogKeptForReconciliation(ILogger logger, string authorizationId, string paymentId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Authorization {AuthorizationId} of payment {PaymentId} is held without a record ({Reason}) and could not be voided; queued for retry")]
    private static partial void LogVoidFailed(ILogger logger, Exception exception, string authorizationId, string paymentId, string reason);
}
