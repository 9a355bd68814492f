using System.Globalization;
using Payments.Api.Payments;

namespace Payments.Api.Dashboard;

/// <summary>The payments page's search, as typed (strings kept to show them back in the form).</summary>
public sealed record PaymentsQuery(string? Id, string? Status, string? Amount, string? Currency, string? CreatedFrom, string? CreatedTo, string? StartingAfter)
{
    private static readonly string[] Statuses = ["requires_capture", "succeeded", "canceled", "failed"];

    public static PaymentsQuery From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        static string? Value(IQueryCollection q, string name) => q.TryGetValue(name, out var v) && v.Count == 1 && !string.IsNullOrWhiteSpace(v[0]) ? v[0]!.Trim() : null;
        return new PaymentsQuery(
            Value(query, "id"), Value(query, "status"), Value(query, "amount"), Value(query, "currency"),
            Value(query, "created_from"), Value(query, "created_to"), Value(query, "starting_after"));
    }

    /// <summary>This search's URL, on the page after <paramref name="startingAfter"/> (the first page when null).</summary>
    public string Link(string? startingAfter)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("status", Status);
        Add("amount", Amount);
        Add("currency", Currency);
        Add("created_from", CreatedFrom);
        Add("created_to", CreatedTo);
        Add("starting_after", startingAfter);
        return "/dashboard/payments" + (parts.Count == 0 ? "" : "?" + string.Join("&", parts));
    }

    /// <summary>The search to run, or why the form's values are not one.</summary>
    public (PaymentSearch? Search, string? Error) ToSearch(IReadOnlyList<string> merchantCurrencies)
    {
        ArgumentNullException.ThrowIfNull(merchantCurrencies);
        if (Status is not null && !Statuses.Contains(Status, StringComparer.Ordinal))
        {
            return (null, "Status must be one of " + string.Join(", ", Statuses) + ".");
        }

        if (Currency is not null && !Currencies.TryGetExponent(Currency, out _))
        {
            return (null, "Currency must be a lowercase ISO 4217 code such as usd.");
        }

        List<(string, long)>? amounts = null;
        if (Amount is not null)
        {
            amounts = [];
            foreach (var currency in Currency is null ? merchantCurrencies : [Currency])
            {
                if (DashboardPages.ParseMajor(Amount, currency) is { } minor)
                {
                    amounts.Add((currency, minor));
                }
            }

            if (!decimal.TryParse(Amount, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            {
                return (null, "Amount must be a number such as 19.99.");
            }
        }

        var from = Date(CreatedFrom);
        var to = Date(CreatedTo);
        if ((CreatedFrom is not null && from is null) || (CreatedTo is not null && to is null))
        {
            return (null, "Dates must be given as YYYY-MM-DD.");
        }

        // "Created to" includes that whole day.
        return (new PaymentSearch(Status, amounts, from, to + 86_400), null);
    }

    private static long? Date(string? text) =>
        text is not null && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds()
            : null;
}

/// <summary>A capture, cancel or refund the dashboard asks to confirm, then performs.</summary>
public sealed record PaymentAction(string Name, long? Amount, string? Reason)
{
    public static IReadOnlyList<string> Names { get; } = ["capture", "cancel", "refund"];

    public string Button => Name switch
    {
        "capture" => "Confirm capture",
        "cancel" => "Confirm cancellation",
        _ => "Confirm refund",
    };

    public string Question(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return Name switch
        {
            "capture" => $"Capture {DashboardPages.Money(Amount ?? payment.AmountCapturable, payment.Currency)} of payment {payment.Id}?",
            "cancel" => $"Cancel payment {payment.Id} and release {DashboardPages.Money(payment.AmountCapturable, payment.Currency)} to the card holder?",
            _ => $"Refund {DashboardPages.Money(Amount ?? payment.Refundable, payment.Currency)} of payment {payment.Id}{(Reason is null ? "" : $" ({Reason.Replace('_', ' ')})")}?",
        };
    }

    /// <summary>The action as a form or query gives it (amounts in major units or, from the confirm form, minor units).</summary>
    public static (PaymentAction? Action, string? Error) Parse(string name, string? amount, bool amountInMinorUnits, string? reason, Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (!Names.Contains(name, StringComparer.Ordinal))
        {
            return (null, "Unknown action.");
        }

        if (reason is { Length: > 0 } && !PaymentValidation.RefundReasons.Contains(reason, StringComparer.Ordinal))
        {
            return (null, "Unknown refund reason.");
        }

        long? minor = null;
        if (name != "cancel" && !string.IsNullOrWhiteSpace(amount))
        {
            minor = amountInMinorUnits
                ? long.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null
                : DashboardPages.ParseMajor(amount, payment.Currency);
            if (minor is null)
            {
                return (null, $"The amount must be a positive number in {payment.Currency.ToUpperInvariant()}.");
            }
        }

        return (new PaymentAction(name, minor, name == "refund" && reason is { Length: > 0 } ? reason : null), null);
    }
}
