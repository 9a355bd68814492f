using System.Net;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

public sealed class MigrationTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Start_up_applies_every_migration_and_turns_ready(StoreKind store)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store);
        using var client = factory.CreateClient();

        var ready = await client.GetAsync(new Uri("/healthz/ready", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM schema_migrations ORDER BY version";
        var versions = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                versions.Add(reader.GetString(0));
            }
        }

        Assert.Equal(MigrationRunner.Load(store).Select(m => m.Version), versions);
        Assert.Contains("0001", versions);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Migrating_twice_is_a_no_op(StoreKind store)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store);
        _ = factory.Services;

        await factory.Services.GetRequiredService<MigrationRunner>().MigrateAsync(CancellationToken.None);

        Assert.True(await factory.Services.GetRequiredService<MigrationRunner>().IsUpToDateAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite, "UPDATE transaction_log SET payload = 'x'")]
    [InlineData(StoreKind.Sqlite, "DELETE FROM transaction_log")]
    [InlineData(StoreKind.Postgres, "UPDATE transaction_log SET payload = 'x'")]
    [InlineData(StoreKind.Postgres, "DELETE FROM transaction_log")]
    [InlineData(StoreKind.Postgres, "TRUNCATE transaction_log")]
    public async Task Transaction_log_rejects_update_and_delete(StoreKind store, string statement)
    {
        await using var factory = await PaymentsApiFactory.CreateAsync(store);
        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO transaction_log (event_id, merchant_id, event_type, object_id, payload) VALUES ('evt_1', 'acct_1', 'payment.authorized', 'pay_1', '{}')";
            await insert.ExecuteNonQueryAsync();
        }

        await using var command = connection.CreateCommand();
        command.CommandText = statement;
        var error = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => command.ExecuteNonQueryAsync());
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
    }
}
