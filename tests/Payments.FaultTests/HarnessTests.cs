using System.Net;
using Npgsql;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// The harness the fault tests stand on, checked on its own: when one of these fails, the fault
/// tests' verdicts mean nothing, and the failure says the harness broke rather than the service.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class HarnessTests(PostgresFixture postgres)
{
    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task The_built_service_starts_from_env_vars_only_is_killed_and_restarts_over_the_same_store(StoreKind store)
    {
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        var first = await service.StartAsync();
        var firstProcessId = first.ProcessId;
        var anonymous = service.AnonymousClient(TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/healthz/live", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);

        await first.KillHardAsync();
        Assert.True(first.HasExited, "SIGKILL did not end the service process");
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(first.BaseAddress, "/healthz/live")));

        // The clients follow the new process (new port) without being recreated.
        var second = await service.StartAsync();
        Assert.NotEqual(firstProcessId, second.ProcessId);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(new Uri("/healthz/ready", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_private_postgres_stops_and_starts_again_on_the_same_port_with_its_data()
    {
        await using var server = await PrivatePostgres.StartAsync();
        var database = await PostgresServer.CreateDatabaseAsync(server.ConnectionString, PostgresFixture.DatabasePrefix, maxPoolSize: null);
        await Execute(database, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");

        await server.StopAsync();
        NpgsqlConnection.ClearAllPools();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Execute(database, "SELECT 1"));

        await server.StartAgainAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT v FROM kept", connection);
        Assert.Equal(42, (int)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_load_client_stops_at_its_time_bound_and_records_transport_failures()
    {
        // Nothing listens on this port: every attempt fails fast at connect, and the run still ends on time.
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePort.Next()}"), Timeout = TimeSpan.FromSeconds(2) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var attempts = await CreateLoad.RunAsync(
            client, clients: 4, maxRequestsPerClient: 1_000_000, maxDuration: TimeSpan.FromSeconds(1), stopSending: () => false,
            keyPrefix: "harness", seed: 1, clock, pauseAfterFailure: TimeSpan.FromMilliseconds(20));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the load ran {clock.Elapsed}, past its 1 s bound");
        Assert.NotEmpty(attempts);
        Assert.All(attempts, a => Assert.True(a.Response is null && a.TransportFailure is not null, a.ToString()));
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
