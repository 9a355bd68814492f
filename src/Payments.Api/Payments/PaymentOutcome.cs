namespace Payments.Api.Payments;

/// <summary>The serialized wire form of an object, made once: response body, outbox payload and idempotent replay share it.</summary>
public sealed record JsonSnapshot(byte[] Utf8, string Text);

/// <summary>A response kept for idempotent replay, exactly as it was first sent.</summary>
public sealed record StoredResponse(int Status, string Body);

/// <summary>
/// What a payment operation came to. The service and the stores speak only these; the endpoints map
/// them to HTTP (<see cref="PaymentResponses"/>), so a status code is chosen in one place.
/// </summary>
public abstract record PaymentOutcome
{
    private PaymentOutcome()
    {
    }

    /// <summary>A payment was created and authorized (captured too when asked).</summary>
    public sealed record Created(Payment Payment, JsonSnapshot Body) : PaymentOutcome;

    /// <summary>The acquirer declined; the failed payment is recorded.</summary>
    public sealed record Declined(Payment Payment) : PaymentOutcome;

    /// <summary>A capture or cancel changed the payment.</summary>
    public sealed record Changed(Payment Payment, JsonSnapshot Body) : PaymentOutcome;

    public sealed record Refunded(Refund Refund, JsonSnapshot Body) : PaymentOutcome;

    /// <summary>An earlier request with the same idempotency key finished; its response is sent again.</summary>
    public sealed record Replayed(StoredResponse Response) : PaymentOutcome;

    public sealed record IdempotencyKeyInUse : PaymentOutcome;

    public sealed record IdempotencyKeyReused(string Method, string Path) : PaymentOutcome;

    public sealed record PaymentNotFound(string PaymentId) : PaymentOutcome;

    public sealed record UnexpectedState(Payment Payment, string Action, PaymentStatus Expected) : PaymentOutcome;

    /// <summary>The amount asked for exceeds what is left (<paramref name="Of"/>: capturable or refundable).</summary>
    public sealed record AmountTooLarge(long Requested, long Available, string Of) : PaymentOutcome;

    public sealed record AlreadyRefunded(string PaymentId) : PaymentOutcome;

    /// <summary>The conditional update found the payment changed although it was locked: refused rather than move money twice.</summary>
    public sealed record ConcurrentChange(string PaymentId, string Action) : PaymentOutcome;
}
