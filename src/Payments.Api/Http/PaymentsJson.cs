using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Api.Payments;

namespace Payments.Api.Http;

/// <summary>
/// The wire format: snake_case, strict. Unknown members, duplicate members, numbers in strings and
/// nulls for non-nullable members are rejected, so a typo in a client never silently drops a field.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(CreatePaymentRequest))]
[JsonSerializable(typeof(CapturePaymentRequest))]
[JsonSerializable(typeof(CreateRefundRequest))]
[JsonSerializable(typeof(CancelPaymentRequest))]
[JsonSerializable(typeof(PaymentResource))]
[JsonSerializable(typeof(RefundResource))]
[JsonSerializable(typeof(ListResource<PaymentResource>))]
[JsonSerializable(typeof(ListResource<RefundResource>))]
[JsonSerializable(typeof(BalanceResource))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
public sealed partial class PaymentsJsonContext : JsonSerializerContext;

public static class PaymentsJson
{
    // Responses are JSON for machines, never embedded in HTML: relaxed escaping keeps ' < > + readable.
    private static readonly PaymentsJsonContext RelaxedContext = new(new JsonSerializerOptions(PaymentsJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static PaymentsJsonContext Context => RelaxedContext;

    public static byte[] ErrorBytes(ErrorBody error) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(error), Context.ErrorEnvelope);

    /// <summary>
    /// Turns <c>$.payment_method.card.number</c> into <c>payment_method.card.number</c>, the form used
    /// in every error's <c>param</c>.
    /// </summary>
    public static string? PathToParam(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return null;
        }

        var trimmed = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        // Bracketed names ($['odd key']) become dotted; array indexes stay as they are.
        return trimmed.Replace("['", ".", StringComparison.Ordinal).Replace("']", string.Empty, StringComparison.Ordinal).TrimStart('.');
    }
}
