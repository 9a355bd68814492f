using Payments.Api.Acquiring;
using Payments.Api.Http;

namespace Payments.Api.Payments;

/// <summary>A create-payment request that passed every rule.</summary>
public sealed record NewPayment(
    long Amount,
    string Currency,
    bool Capture,
    CardDetails Card,
    string? Description,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>The input rules of the API, each failure a 400 naming the parameter.</summary>
public static class PaymentValidation
{
    public const long MinAmount = 1;
    public const long MaxAmount = 99_999_999;
    public const int MaxMetadataKeys = 50;
    public const int MaxMetadataKeyLength = 40;
    public const int MaxMetadataValueLength = 500;
    public const int MaxDescriptionLength = 1000;
    public const int MinExpYear = 1000;
    public const int MaxExpYear = 9999;
    public const int MaxCardNumberLength = 19;
    public const int MinCardNumberLength = 12;

    public static readonly IReadOnlyList<string> RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    private static readonly Dictionary<string, string> EmptyMetadata = [];

    public static NewPayment Validate(CreatePaymentRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        var amount = RequireAmount(request.Amount, "amount");
        var currency = RequireCurrency(request.Currency);
        var card = request.PaymentMethod?.Card
            ?? throw Missing(request.PaymentMethod is null ? "payment_method" : "payment_method.card");
        var details = ValidateCard(card, now);
        if (request.Description is { } description && !IsText(description, MaxDescriptionLength))
        {
            throw InvalidValue("description");
        }

        var metadata = ValidateMetadata(request.Metadata);
        return new NewPayment(amount, currency, request.Capture ?? true, details, request.Description, metadata);
    }

    public static long RequireAmount(long? amount, string param) =>
        amount is null ? throw Missing(param) : CheckAmount(amount.Value, param);

    public static long CheckAmount(long amount, string param) => amount is < MinAmount or > MaxAmount
        ? throw ApiException.Invalid("amount_invalid", $"{param} must be an integer in minor units between {MinAmount} and {MaxAmount}.", param)
        : amount;

    public static string? ValidateRefundReason(string? reason) =>
        reason is null || RefundReasons.Contains(reason)
            ? reason
            : throw ApiException.Invalid("parameter_invalid", $"reason must be one of: {string.Join(", ", RefundReasons)}.", "reason");

    private static string RequireCurrency(string? currency)
    {
        if (currency is null)
        {
            throw Missing("currency");
        }

        return Currencies.TryGetExponent(currency, out _)
            ? currency
            : throw ApiException.Invalid("currency_invalid", $"Invalid currency: '{Truncate(currency)}'. Use a lowercase ISO 4217 code such as usd or jpy.", "currency");
    }

    private static CardDetails ValidateCard(CardRequest card, DateTimeOffset now)
    {
        const string prefix = "payment_method.card.";
        var number = card.Number ?? throw Missing(prefix + "number");
        if (number.Length is < MinCardNumberLength or > MaxCardNumberLength || !number.All(char.IsAsciiDigit) || !Cards.IsLuhnValid(number))
        {
            throw ApiException.Invalid("invalid_number", "The card number is not a valid card number.", prefix + "number");
        }

        var month = card.ExpMonth ?? throw Missing(prefix + "exp_month");
        if (month is < 1 or > 12)
        {
            throw ApiException.Invalid("invalid_expiry_month", "The card's expiration month must be between 1 and 12.", prefix + "exp_month");
        }

        var year = card.ExpYear ?? throw Missing(prefix + "exp_year");
        if (year < now.Year || (year == now.Year && month < now.Month))
        {
            throw ApiException.Invalid("invalid_expiry_year", "The card's expiration date is in the past.", prefix + "exp_year");
        }

        if (year > MaxExpYear)
        {
            throw InvalidValue(prefix + "exp_year");
        }

        var cvc = card.Cvc ?? throw Missing(prefix + "cvc");
        if (cvc.Length is < 3 or > 4 || !cvc.All(char.IsAsciiDigit))
        {
            throw ApiException.Invalid("invalid_cvc", "The card's security code must be 3 or 4 digits.", prefix + "cvc");
        }

        return new CardDetails(number, month, year, cvc);
    }

    private static Dictionary<string, string> ValidateMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return EmptyMetadata;
        }

        if (metadata.Count > MaxMetadataKeys)
        {
            throw ApiException.Invalid("parameter_invalid", $"metadata is limited to {MaxMetadataKeys} keys.", "metadata");
        }

        foreach (var (key, value) in metadata)
        {
            if (key.Length == 0 || !IsText(key, MaxMetadataKeyLength))
            {
                throw ApiException.Invalid("parameter_invalid", $"metadata keys must be 1 to {MaxMetadataKeyLength} characters of valid Unicode text.", "metadata");
            }

            // Dictionary values are not covered by the serializer's nullability checks.
            if (value is null)
            {
                throw ApiException.Invalid("parameter_invalid", "metadata values must be strings.", "metadata." + key);
            }

            if (!IsText(value, MaxMetadataValueLength))
            {
                throw InvalidValue("metadata." + key);
            }
        }

        return metadata;
    }

    /// <summary>
    /// The one error of a field whose value is unusable, whatever made it so (a wrong JSON type, a
    /// number beyond its range or beyond 64 bits, text that is not valid Unicode): a client switches
    /// on one code per field.
    /// </summary>
    public static ApiException InvalidValue(string param)
    {
        ArgumentNullException.ThrowIfNull(param);
        const string card = "payment_method.card.";
        return param switch
        {
            "amount" => ApiException.Invalid("amount_invalid", $"amount must be an integer in minor units between {MinAmount} and {MaxAmount}.", param),
            "currency" => ApiException.Invalid("currency_invalid", "currency must be a lowercase ISO 4217 code such as usd or jpy.", param),
            card + "number" => ApiException.Invalid("invalid_number", "The card number must be a string of 12 to 19 digits that passes the Luhn check.", param),
            card + "exp_month" => ApiException.Invalid("invalid_expiry_month", "The card's expiration month must be an integer between 1 and 12.", param),
            card + "exp_year" => ApiException.Invalid("invalid_expiry_year", $"The card's expiration year must be a four-digit integer ({MinExpYear}–{MaxExpYear}), not in the past.", param),
            card + "cvc" => ApiException.Invalid("invalid_cvc", "The card's security code must be a string of 3 or 4 digits.", param),
            "capture" => ApiException.Invalid("parameter_invalid", "capture must be a boolean.", param),
            "description" => ApiException.Invalid("parameter_invalid", $"description must be a string of at most {MaxDescriptionLength} characters of valid Unicode text.", param),
            "reason" => ApiException.Invalid("parameter_invalid", $"reason must be one of: {string.Join(", ", RefundReasons)}.", param),
            "metadata" => ApiException.Invalid("parameter_invalid", $"metadata must be an object of at most {MaxMetadataKeys} string values.", param),
            _ when param.StartsWith("metadata.", StringComparison.Ordinal) =>
                ApiException.Invalid("parameter_invalid", $"metadata values must be strings of at most {MaxMetadataValueLength} characters of valid Unicode text.", param),
            _ => ApiException.Invalid("parameter_invalid", $"Invalid value for {param}.", param),
        };
    }

    /// <summary>
    /// Well-formed UTF-16 (no lone surrogate) of at most <paramref name="maxCodePoints"/> Unicode code
    /// points: lengths are counted as JSON Schema's <c>maxLength</c> counts them, not in UTF-16 units.
    /// </summary>
    public static bool IsText(string value, int maxCodePoints)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 2 * maxCodePoints)
        {
            return false;
        }

        var codePoints = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }

            codePoints++;
        }

        return codePoints <= maxCodePoints;
    }

    private static ApiException Missing(string param) =>
        ApiException.Invalid("parameter_missing", $"Missing required param: {param}.", param);

    private static string Truncate(string value) => value.Length > 16 ? value[..16] + "…" : value;
}
