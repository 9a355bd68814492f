namespace Payments.Api.Payments;

public enum PaymentStatus { RequiresCapture, Succeeded, Canceled, Failed }

/// <summary>The card as stored: never the number, only what identifies it to the card holder.</summary>
public sealed record StoredCard(string Brand, string Last4, int ExpMonth, int ExpYear);

/// <summary>
/// A payment as the service reasons about it. The wire form (<see cref="PaymentResource"/>) is a
/// mapping of this (<see cref="PaymentMapping.ToResource(Payment)"/>); the stores persist this.
/// </summary>
public sealed record Payment(
    string Id,
    PaymentStatus Status,
    long Amount,
    long AmountCapturable,
    long AmountCaptured,
    long AmountRefunded,
    string Currency,
    StoredCard Card,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    long Created,
    string? FailureCode,
    string? DeclineCode,
    string? FailureMessage)
{
    public long Refundable => AmountCaptured - AmountRefunded;
}

public sealed record Refund(string Id, string PaymentId, long Amount, string Currency, string? Reason, long Created);

/// <summary>One page of a merchant's objects, newest first.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, bool HasMore);

/// <summary>Captured and refunded totals of one currency, from the journal.</summary>
public sealed record CurrencyBalance(string Currency, long Captured, long Refunded)
{
    public long Net => Captured - Refunded;
}

public static class PaymentMapping
{
    public static string WireName(this PaymentStatus status) => status switch
    {
        PaymentStatus.RequiresCapture => "requires_capture",
        PaymentStatus.Succeeded => "succeeded",
        PaymentStatus.Canceled => "canceled",
        PaymentStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown payment status"),
    };

    public static PaymentStatus ParseStatus(string stored) => stored switch
    {
        "requires_capture" => PaymentStatus.RequiresCapture,
        "succeeded" => PaymentStatus.Succeeded,
        "canceled" => PaymentStatus.Canceled,
        "failed" => PaymentStatus.Failed,
        _ => throw new InvalidOperationException($"unknown stored payment status '{stored}'"),
    };

    public static PaymentResource ToResource(this Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return new PaymentResource(
            payment.Id, "payment", payment.Status.WireName(), payment.Amount, payment.AmountCapturable, payment.AmountCaptured,
            payment.AmountRefunded, payment.Currency,
            new CardResource(payment.Card.Brand, payment.Card.Last4, payment.Card.ExpMonth, payment.Card.ExpYear),
            payment.Description, payment.Metadata, payment.Created, payment.FailureCode, payment.FailureMessage);
    }

    public static RefundResource ToResource(this Refund refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return new RefundResource(refund.Id, "refund", refund.PaymentId, refund.Amount, refund.Currency, "succeeded", refund.Reason, refund.Created);
    }
}
