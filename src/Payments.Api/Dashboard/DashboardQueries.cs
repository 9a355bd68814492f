using System.Globalization;
using Payments.Api.Payments;
using Payments.Api.Storage;

namespace Payments.Api.Dashboard;

/// <summary>What the payments page searches by; amounts in minor units, dates as unix seconds [from, to).</summary>
public sealed record PaymentSearch(string? Status, IReadOnlyList<(string Currency, long Amount)>? Amounts, long? CreatedFrom, long? CreatedTo);

/// <summary>One movement of a payment's journal (<see cref="Ledger.LedgerSql"/>).</summary>
public sealed record LedgerRow(long Id, string Movement, string DebitAccount, string CreditAccount, string Currency, long Amount, string? RefundId);

/// <summary>The dashboard's reads that the API has no route for: searching payments, a payment's journal.</summary>
public sealed class DashboardQueries(ReadQueries reads)
{
    /// <summary>Newest first, before <paramref name="startingAfter"/>; null when that payment is not the merchant's.</summary>
    public async Task<Page<Payment>?> SearchAsync(string merchantId, PaymentSearch search, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        if (await SqlPaymentStore.PaymentCursorAsync(reads, merchantId, startingAfter, cancellationToken) is not { } cursor)
        {
            return null;
        }

        var where = new List<string> { "merchant_id = @merchant_id", "seq < @cursor" };
        var parameters = new List<(string, object)> { ("merchant_id", merchantId), ("cursor", cursor), ("limit", limit + 1) };
        if (search.Status is { } status)
        {
            where.Add("status = @status");
            parameters.Add(("status", status));
        }

        if (search.Amounts is { } amounts)
        {
            if (amounts.Count == 0)
            {
                return new Page<Payment>([], false);
            }

            var alternatives = new List<string>();
            for (var i = 0; i < amounts.Count; i++)
            {
                alternatives.Add($"(currency = @currency_{i} AND amount = @amount_{i})");
                parameters.Add(($"currency_{i}", amounts[i].Currency));
                parameters.Add(($"amount_{i}", amounts[i].Amount));
            }

            where.Add("(" + string.Join(" OR ", alternatives) + ")");
        }

        if (search.CreatedFrom is { } from)
        {
            where.Add("created >= @created_from");
            parameters.Add(("created_from", from));
        }

        if (search.CreatedTo is { } to)
        {
            where.Add("created < @created_to");
            parameters.Add(("created_to", to));
        }

        var statement = new Statement($"SELECT {PaymentSql.PaymentColumns} FROM payments WHERE {string.Join(" AND ", where)} ORDER BY seq DESC LIMIT @limit", true);
        foreach (var (name, value) in parameters)
        {
            statement.Add(name, value);
        }

        var rows = await reads.QueryAsync(statement, cancellationToken);
        return new Page<Payment>(rows.Take(limit).Select(SqlPaymentStore.ReadPayment).ToList(), rows.Count > limit);
    }

    /// <summary>The currencies the merchant has payments in (an amount typed without one is looked for in each).</summary>
    public async Task<IReadOnlyList<string>> CurrenciesAsync(string merchantId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(
            new Statement("SELECT DISTINCT currency FROM payments WHERE merchant_id = @merchant_id ORDER BY currency", true).Add("merchant_id", merchantId),
            cancellationToken);
        return rows.Select(r => (string)r[0]!).ToList();
    }

    public async Task<IReadOnlyList<LedgerRow>> LedgerAsync(string merchantId, string paymentId, CancellationToken cancellationToken)
    {
        var rows = await reads.QueryAsync(
            new Statement(
                "SELECT id, movement, debit_account, credit_account, currency, amount, refund_id FROM ledger_movements WHERE payment_id = @payment_id AND merchant_id = @merchant_id ORDER BY id",
                true).Add("payment_id", paymentId).Add("merchant_id", merchantId),
            cancellationToken);
        return rows.Select(r => new LedgerRow(
            Convert.ToInt64(r[0], CultureInfo.InvariantCulture), (string)r[1]!, (string)r[2]!, (string)r[3]!, (string)r[4]!,
            Convert.ToInt64(r[5], CultureInfo.InvariantCulture), (string?)r[6])).ToList();
    }
}
