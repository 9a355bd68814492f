using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;
using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

/// <summary>
/// A private PostgreSQL server (scripts/pg.sh) is stopped and started under a running relay: the
/// leader's session and its lock die with the server; the relay backs off, reconnects, takes the
/// lock again and exports everything once, in order.
/// </summary>
public sealed class RelayDatabaseRestartTests : IAsyncLifetime
{
    private readonly string sinkDirectory = Path.Combine(Path.GetTempPath(), "apiops-pg-restart-sink-" + Guid.NewGuid().ToString("N"));
    private PrivatePostgres server = null!;

    public async Task InitializeAsync() => server = await PrivatePostgres.StartAsync();

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Postgres_the_relay_survives_a_database_restart_without_loss_or_duplicates()
    {
        await using var connections = new PostgresConnectionFactory(server.ConnectionString);
        await new MigrationRunner(connections, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        var appended = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add(await AppendWithRetryAsync(connections));
        }

        var log = new SignallingLogger<TransactionLogRelay>();
        using var relay = new TransactionLogRelay(
            SqlTransactionLogStore.For(connections),
            new DirectoryTransactionLogSink(sinkDirectory),
            Options.Create(new TransactionLogOptions { PollIntervalMs = 50, BatchSize = 100 }),
            RelayTestKit.Metrics,
            TimeProvider.System,
            log);
        await relay.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(() => Exported(sinkDirectory).Count == 3);

            await server.StopAsync();
            // The database comes back only after the relay has run into the outage.
            await log.Logged("LogFailure").WaitAsync(TimeSpan.FromSeconds(60));
            await server.StartAgainAsync();
            connections.DataSource.Clear();
            for (var i = 0; i < 3; i++)
            {
                appended.Add(await AppendWithRetryAsync(connections));
            }

            await WaitUntilAsync(() => Exported(sinkDirectory).Count >= 6);
            await WaitUntilAsync(() => relay.IsLeader);
        }
        finally
        {
            await relay.StopAsync(CancellationToken.None);
        }

        Assert.Equal(appended, Exported(sinkDirectory));
        Directory.Delete(sinkDirectory, recursive: true);
    }

    private static async Task<long> AppendWithRetryAsync(PostgresConnectionFactory connections)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = await connections.OpenAsync(CancellationToken.None);
                return await RelayDatabase.AppendAsync(connection, null);
            }
            catch (NpgsqlException) when (attempt < 50)
            {
                // The server is still starting, or the pool handed out a connection it had before the restart.
                await Task.Delay(100);
            }
        }
    }

    private static List<long> Exported(string directory) =>
        !Directory.Exists(directory)
            ? []
            : Directory.GetFiles(directory, "*.jsonl").Order(StringComparer.Ordinal)
                .SelectMany(File.ReadAllLines)
                .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64())
                .ToList();

    private static Task WaitUntilAsync(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.EventuallyAsync(condition, TimeSpan.FromSeconds(60), what);
}
