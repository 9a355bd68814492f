using System.Text.Json.Serialization;

namespace Payments.Api.Payments;

// Wire types. Requests use nullable members so "missing" and "wrong" get distinct errors; the
// serializer options (PaymentsJsonContext) make them strict.

public sealed class CreatePaymentRequest
{
    public long? Amount { get; init; }

    public string? Currency { get; init; }

    public bool? Capture { get; init; }

    public PaymentMethodRequest? PaymentMethod { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string>? Metadata { get; init; }
}

public sealed class PaymentMethodRequest
{
    public CardRequest? Card { get; init; }
}

public sealed class CardRequest
{
    public string? Number { get; init; }

    public int? ExpMonth { get; init; }

    public int? ExpYear { get; init; }

    public string? Cvc { get; init; }
}

public sealed class CapturePaymentRequest
{
    public long? Amount { get; init; }
}

public sealed class CreateRefundRequest
{
    public long? Amount { get; init; }

    public string? Reason { get; init; }
}

public sealed record CardResource(string Brand, string Last4, int ExpMonth, int ExpYear);

public sealed record PaymentResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string Status,
    long Amount,
    long AmountCapturable,
    long AmountCaptured,
    long AmountRefunded,
    string Currency,
    CardResource Card,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata,
    long Created,
    string? FailureCode,
    string? FailureMessage);

public sealed record RefundResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string Payment,
    long Amount,
    string Currency,
    string Status,
    string? Reason,
    long Created);

public sealed record ListResource<T>([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<T> Data, bool HasMore, string Url);

public sealed record BalanceCurrency(string Currency, long Captured, long Refunded, long Net);

public sealed record BalanceResource([property: JsonPropertyName("object")] string ObjectType, IReadOnlyList<BalanceCurrency> Currencies);

/// <summary>Cancel takes no parameters; declared so that any field sent is reported as unknown.</summary>
public sealed class CancelPaymentRequest;
