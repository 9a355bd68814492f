using System.Globalization;
using Payments.Api.Idempotency;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Idempotency;

/// <summary>
/// Keys are kept at least 24 hours whatever the configuration says: a shorter retention stops start-up
/// (StartupFailureTests), a longer one is honoured.
/// </summary>
public sealed class RetentionSettingTests
{
    [Fact]
    public async Task A_longer_retention_keeps_keys_past_24_hours()
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(StoreKind.Sqlite, new Dictionary<string, string?>
        {
            ["Payments:Idempotency:RetentionHours"] = "48",
            ["Payments:Merchants:0:Id"] = ApiFixture.MerchantAId,
            ["Payments:Merchants:0:ApiKey"] = ApiFixture.MerchantAKey,
        });
        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        foreach (var (key, hours) in new[] { ("aged-30h", 30), ("aged-50h", 50) })
        {
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_method, request_path, request_hash, response_status, response_body, created_at) " +
                $"VALUES ('{ApiFixture.MerchantAId}', '{key}', 'POST', '/v1/payments', 'h', 201, '{{}}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{hours} hours'))";
            await insert.ExecuteNonQueryAsync();
        }

        await factory.Services.GetServices<IHostedService>().OfType<IdempotencyKeySweeper>().Single().SweepOnceAsync(CancellationToken.None);

        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT idempotency_key FROM idempotency_keys";
        Assert.Equal("aged-30h", Convert.ToString(await count.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }
}
