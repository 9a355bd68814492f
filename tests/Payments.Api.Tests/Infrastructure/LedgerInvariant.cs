using System.Globalization;
using Payments.Api.Storage;

namespace Payments.Api.Tests.Infrastructure;

/// <summary>The money checks run after every test: the journal balances and agrees with every payment.</summary>
public static class LedgerInvariant
{
    public static async Task AssertAsync(IServiceProvider services)
    {
        await using var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT currency, SUM(amount) FROM ledger_entries GROUP BY currency";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Assert.True(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture) == 0, $"ledger entries in {reader.GetString(0)} do not sum to zero");
            }
        }

        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT p.id, p.amount_captured, p.amount_refunded, p.amount_capturable,
                  COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.payment_id = p.id AND e.account = 'merchant_captured'), 0),
                  COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.payment_id = p.id AND e.account = 'merchant_refunds'), 0),
                  COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.payment_id = p.id AND e.account = 'merchant_authorized'), 0),
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
}
