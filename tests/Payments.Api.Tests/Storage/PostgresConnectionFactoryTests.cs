using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

public sealed class PostgresConnectionFactoryTests
{
    private const string Server = "Host=127.0.0.1;Port=5432;Username=payments;Database=payments";

    private static NpgsqlConnectionStringBuilder Effective(string connectionString)
    {
        using var factory = new PostgresConnectionFactory(connectionString);
        return new NpgsqlConnectionStringBuilder(factory.DataSource.ConnectionString);
    }

    [Fact]
    public void A_connection_string_that_is_silent_gets_the_service_defaults()
    {
        var effective = Effective(Server);

        Assert.Equal("payments-api", effective.ApplicationName);
        Assert.Equal(32, effective.MaxAutoPrepare);
        Assert.Equal(2, effective.AutoPrepareMinUsages);
        Assert.True(effective.NoResetOnClose);
        Assert.Equal(PostgresConnectionFactory.DefaultConnectionIdleLifetimeSeconds, effective.ConnectionIdleLifetime);
        Assert.Equal(PostgresConnectionFactory.DefaultConnectionPruningIntervalSeconds, effective.ConnectionPruningInterval);
        Assert.True(effective.ConnectionIdleLifetime < 300, "shorter than Npgsql's 300 s, so a pool that grew in a burst shrinks soon after");
    }

    [Theory]
    [InlineData("Max Auto Prepare=0;No Reset On Close=false;Connection Idle Lifetime=60;Connection Pruning Interval=20;Application Name=ops")]
    [InlineData("MaxAutoPrepare=0;NoResetOnClose=false;ConnectionIdleLifetime=60;ConnectionPruningInterval=20;ApplicationName=ops")]
    [InlineData("max auto prepare=0;no reset on close=false;connection idle lifetime=60;connection pruning interval=20;application name=ops")]
    public void Options_the_connection_string_sets_are_kept_under_any_spelling(string options)
    {
        var effective = Effective(Server + ";" + options);

        Assert.Equal("ops", effective.ApplicationName);
        Assert.Equal(0, effective.MaxAutoPrepare);
        Assert.False(effective.NoResetOnClose);
        Assert.Equal(60, effective.ConnectionIdleLifetime);
        Assert.Equal(20, effective.ConnectionPruningInterval);
    }

    [Fact]
    public void A_pruning_interval_given_alone_is_kept_and_the_idle_lifetime_is_never_shorter_than_it()
    {
        // Npgsql refuses a pruning interval longer than the idle lifetime; the default must not cause that.
        var effective = Effective(Server + ";Connection Pruning Interval=30");

        Assert.Equal(30, effective.ConnectionPruningInterval);
        Assert.Equal(30, effective.ConnectionIdleLifetime);
        Assert.Equal(1, Effective(Server + ";Connection Pruning Interval=1").ConnectionPruningInterval);
        Assert.Equal(PostgresConnectionFactory.DefaultConnectionIdleLifetimeSeconds,
            Effective(Server + ";Connection Pruning Interval=1").ConnectionIdleLifetime);
    }

    [Fact]
    public async Task After_a_burst_the_pool_shrinks_back_to_what_the_load_needs_within_seconds_not_minutes()
    {
        var applicationName = "pool-prune-" + Guid.NewGuid().ToString("N")[..8];
        await using var factory = new PostgresConnectionFactory(PostgresServer.ConnectionString + ";Application Name=" + applicationName);

        // A burst: 12 connections open at once, then all returned to the pool.
        var burst = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => factory.OpenAsync(CancellationToken.None).AsTask()));
        Assert.Equal(12, await ServerConnectionsAsync(applicationName));
        foreach (var connection in burst)
        {
            await connection.DisposeAsync();
        }

        // Light load afterwards: one connection at a time, every 100 ms. With Npgsql's
        // defaults (300 s idle lifetime) all 12 server processes would still be there.
        var deadline = DateTime.UtcNow.AddSeconds(PostgresConnectionFactory.DefaultConnectionIdleLifetimeSeconds * 3);
        var remaining = 12;
        while (DateTime.UtcNow < deadline && remaining > 2)
        {
            await using (var connection = await factory.OpenAsync(CancellationToken.None))
            await using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync();
            }
            await Task.Delay(100);
            remaining = await ServerConnectionsAsync(applicationName);
        }

        Assert.True(remaining <= 2, $"{remaining} of 12 server connections still open {PostgresConnectionFactory.DefaultConnectionIdleLifetimeSeconds * 3} s after the burst");
    }

    private static async Task<int> ServerConnectionsAsync(string applicationName)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection)
        {
            Parameters = { new NpgsqlParameter { Value = applicationName } },
        };
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
