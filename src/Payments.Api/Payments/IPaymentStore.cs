using Payments.Api.Idempotency;

namespace Payments.Api.Payments;

/// <summary>
/// Where payments live. One implementation per store (<see cref="SqlitePaymentStore"/>,
/// <see cref="PostgresPaymentStore"/>); each owns its SQL, its locking, how it claims an idempotency
/// key and how its errors map to outcomes. The service decides; a store only keeps what was decided,
/// atomically: state, journal entries, outbox events and the idempotency record commit together or
/// not at all.
/// </summary>
/// <remarks>
/// A write completes only once it is durably committed, so a store may queue it and commit many
/// writes together (group commit) without the service noticing: the returned task is the wait.
/// Outages and overload surface as exceptions that <see cref="Storage.StoreFailures.IsTransient"/>
/// recognises; everything a client did wrong comes back as a <see cref="PaymentOutcome"/>.
/// </remarks>
public interface IPaymentStore
{
    /// <summary>
    /// Claims the idempotency key (a finished earlier request comes back as
    /// <see cref="PaymentOutcome.Replayed"/>, a concurrent one as
    /// <see cref="PaymentOutcome.IdempotencyKeyInUse"/>), then calls <paramref name="authorize"/>
    /// once and commits the payment it returns. The result is that payment's outcome once committed,
    /// or why nothing was written.
    /// </summary>
    Task<PaymentOutcome> CreateAsync(string merchantId, IdempotencyRequest? idempotency, Func<CancellationToken, Task<NewPaymentRecord>> authorize, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the idempotency key, locks the payment, calls <paramref name="decide"/> with it and
    /// applies the decision with a conditional update (<c>WHERE status = expected</c>).
    /// </summary>
    Task<PaymentOutcome> ChangeAsync(string merchantId, string paymentId, IdempotencyRequest? idempotency, Func<Payment, PaymentChange> decide, CancellationToken cancellationToken);

    Task<Payment?> FindAsync(string merchantId, string paymentId, CancellationToken cancellationToken);

    /// <summary>Newest first, before <paramref name="startingAfter"/>; null when that payment does not exist.</summary>
    Task<Page<Payment>?> ListAsync(string merchantId, int limit, string? startingAfter, CancellationToken cancellationToken);

    /// <summary>The payment's refunds, newest first, before <paramref name="startingAfter"/>; null when that refund does not exist.</summary>
    Task<Page<Refund>?> ListRefundsAsync(string merchantId, string paymentId, int limit, string? startingAfter, CancellationToken cancellationToken);

    Task<IReadOnlyList<CurrencyBalance>> BalanceAsync(string merchantId, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="batchSize"/> idempotency records older than <paramref name="retentionHours"/>; returns how many.</summary>
    Task<int> DeleteExpiredIdempotencyKeysAsync(int retentionHours, int batchSize, CancellationToken cancellationToken);
}

/// <summary>A journal movement of the double-entry ledger (<see cref="Ledger.LedgerSql"/>).</summary>
public enum LedgerMovement { Authorize, AuthorizeAndCapture, Capture, Release, Refund }

public sealed record LedgerEntry(LedgerMovement Movement, long Amount);

/// <summary>An event for the transaction log (the outbox), written in the same commit.</summary>
public sealed record OutboxEvent(string Type, string ObjectId, string Payload);

/// <summary>
/// A new payment as decided after the acquirer answered: what to store and what to answer.
/// <paramref name="Response"/> is kept with the idempotency key, when there is one.
/// </summary>
public sealed record NewPaymentRecord(
    Payment Payment,
    string CardFingerprint,
    LedgerEntry? Ledger,
    OutboxEvent Event,
    PaymentOutcome Outcome,
    StoredResponse Response);

/// <summary>What the service decided about a locked payment.</summary>
public abstract record PaymentChange
{
    private PaymentChange()
    {
    }

    /// <summary>Nothing is written; the outcome says why.</summary>
    public sealed record Reject(PaymentOutcome Outcome) : PaymentChange;

    /// <summary>
    /// A state change: <paramref name="Transition"/> of <paramref name="Amount"/>, the refund it
    /// creates (if any), its journal entries and events; <paramref name="Outcome"/> and
    /// <paramref name="Response"/> once committed.
    /// </summary>
    public sealed record Apply(
        PaymentTransition Transition,
        long Amount,
        Refund? Refund,
        IReadOnlyList<LedgerEntry> Ledger,
        IReadOnlyList<OutboxEvent> Events,
        PaymentOutcome Outcome,
        StoredResponse Response) : PaymentChange;
}

public enum PaymentTransition { Capture, Cancel, Refund }
