using System.Globalization;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Merchants;

public sealed class DevelopmentBootstrapTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite, "Development", 1)]
    [InlineData(StoreKind.Sqlite, "Production", 0)]
    [InlineData(StoreKind.Postgres, "Development", 1)]
    [InlineData(StoreKind.Postgres, "Production", 0)]
    public async Task Development_without_configured_merchants_creates_acct_dev_with_a_key(StoreKind store, string environment, long expectedKeys)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store);
        factory.Environment = environment;
        using var client = factory.CreateClient();

        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM api_keys WHERE merchant_id = 'acct_dev'";

        Assert.Equal(expectedKeys, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }
}
