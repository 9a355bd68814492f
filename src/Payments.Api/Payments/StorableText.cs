using Payments.Api.Http;

namespace Payments.Api.Payments;

/// <summary>
/// Text both stores can keep exactly. PostgreSQL's <c>text</c> cannot hold U+0000, and neither store
/// can hold a lone UTF-16 surrogate as UTF-8; such a value is refused with the same 400 on every
/// store, before the acquirer is asked to authorize.
/// </summary>
public static class StorableText
{
    public static void Check(NewPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        Check(payment.Description, "description");
        foreach (var (key, value) in payment.Metadata)
        {
            Check(key, "metadata");
            Check(value, "metadata." + key);
        }
    }

    public static void Check(string? value, string param)
    {
        if (value is not null && !IsStorable(value))
        {
            throw ApiException.Invalid(
                "parameter_invalid", $"{param} contains a character that cannot be stored (NUL or an unpaired surrogate).", param);
        }
    }

    public static bool IsStorable(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var span = value.AsSpan();
        if (span.Contains('\0'))
        {
            return false;
        }

        for (var i = span.IndexOfAnyInRange('\uD800', '\uDFFF'); i >= 0 && i < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(span[i]))
            {
                return false;
            }
        }

        return true;
    }
}
