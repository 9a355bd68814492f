using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>
/// The money checks run after every test: every journal movement has one of the shapes the service
/// writes (docs/api.md, "Money: ledger and state changes"), and the journal agrees with every payment.
/// </summary>
public static class LedgerInvariant
{
    /// <summary>(movement, debit, credit) of every movement the service may write.</summary>
    public const string KnownShapes =
        "('authorize', 'acquirer_receivable', 'merchant_authorized'), ('capture', 'merchant_authorized', 'merchant_captured'), " +
        "('capture', 'acquirer_receivable', 'merchant_captured'), ('release', 'merchant_authorized', 'acquirer_receivable'), " +
        "('refund', 'merchant_refunds', 'acquirer_receivable')";

    public static async Task AssertAsync(IServiceProvider services)
    {
        await using var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT id, movement, debit_account, credit_account, amount FROM ledger_movements
                WHERE amount <= 0 OR (movement, debit_account, credit_account) NOT IN (VALUES {KnownShapes})
                """;
            await using var reader = await command.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                Assert.Fail($"journal movement {reader.GetValue(0)} is not one the service writes: {reader.GetString(1)} {reader.GetValue(4)}, debit {reader.GetString(2)}, credit {reader.GetString(3)}");
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                SELECT p.id, p.amount_captured, p.amount_refunded, p.amount_capturable,
                  {Account("merchant_captured")}, {Account("merchant_refunds")}, {Account("merchant_authorized")},
                  COALESCE((SELECT SUM(r.amount) FROM refunds r WHERE r.payment_id = p.id), 0)
                FROM payments p
                """;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                long L(int i) => Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
                var id = reader.GetString(0);
                Assert.True(L(1) == -L(4), $"{id}: amount_captured {L(1)} but journal captured {-L(4)}");
                Assert.True(L(2) == L(5), $"{id}: amount_refunded {L(2)} but journal refunds {L(5)}");
                Assert.True(L(2) == L(7), $"{id}: amount_refunded {L(2)} but refunds total {L(7)}");
                Assert.True(L(3) == -L(6), $"{id}: amount_capturable {L(3)} but journal authorized {-L(6)}");
                Assert.True(L(2) <= L(1), $"{id}: refunded more than captured");
            }
        }
    }

    /// <summary>The payment's balance on <paramref name="account"/>: its debits less its credits.</summary>
    private static string Account(string account) =>
        $"COALESCE((SELECT SUM(CASE WHEN m.debit_account = '{account}' THEN m.amount WHEN m.credit_account = '{account}' THEN -m.amount ELSE 0 END) " +
        "FROM ledger_movements m WHERE m.payment_id = p.id), 0)";
}
