using System.Diagnostics;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

/// <summary>The write path's connections against a real PostgreSQL: most recently used first, surplus handed back, broken ones never reused.</summary>
public sealed class WarmConnectionsTests : IDisposable
{
    private readonly ManualClock clock = new();
    private readonly string applicationName = "warm-" + Guid.NewGuid().ToString("N")[..8];
    private readonly PostgresConnectionFactory factory;

    public WarmConnectionsTests() =>
        factory = new PostgresConnectionFactory(PostgresServer.ConnectionString + ";Application Name=" + applicationName, clock);

    public void Dispose() => factory.Dispose();

    private WarmConnections Warm => factory.WriteConnections;

    [Fact]
    public async Task The_connection_returned_last_is_handed_out_first()
    {
        var first = await Warm.RentAsync(CancellationToken.None);
        var second = await Warm.RentAsync(CancellationToken.None);
        var third = await Warm.RentAsync(CancellationToken.None);
        Assert.Equal(3, new[] { first.ProcessID, second.ProcessID, third.ProcessID }.Distinct().Count());

        await Warm.ReturnAsync(first, reusable: true);
        await Warm.ReturnAsync(third, reusable: true);
        await Warm.ReturnAsync(second, reusable: true);

        Assert.Same(second, await Warm.RentAsync(CancellationToken.None));
        Assert.Same(third, await Warm.RentAsync(CancellationToken.None));
        Assert.Same(first, await Warm.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task After_a_burst_light_load_keeps_using_one_server_process_and_the_surplus_goes_back_after_the_idle_limit()
    {
        var burst = new List<NpgsqlConnection>();
        for (var i = 0; i < 12; i++)
        {
            burst.Add(await Warm.RentAsync(CancellationToken.None));
        }

        foreach (var connection in burst)
        {
            await Warm.ReturnAsync(connection, reusable: true);
        }

        Assert.Equal(12, Warm.IdleCount);

        // Light load for longer than the idle limit: one transaction at a time.
        var processes = new HashSet<int>();
        for (var i = 0; i < 6; i++)
        {
            var connection = await Warm.RentAsync(CancellationToken.None);
            await using (var command = new NpgsqlCommand("SELECT 1", connection))
            {
                await command.ExecuteScalarAsync();
            }

            processes.Add(connection.ProcessID);
            await Warm.ReturnAsync(connection, reusable: true);
            clock.Advance(WarmConnections.IdleLimit / 4);
            Warm.Trim();
        }

        Assert.Single(processes);
        Assert.Equal(1, Warm.IdleCount);
        Assert.Equal(12, await ServerConnectionsAsync()); // handed back to Npgsql's pool, which closes idle ones on its own schedule
    }

    [Fact]
    public async Task A_connection_that_comes_back_broken_empties_the_stack_and_the_next_rent_works()
    {
        var healthy = await Warm.RentAsync(CancellationToken.None);
        var doomed = await Warm.RentAsync(CancellationToken.None);
        await Warm.ReturnAsync(healthy, reusable: true);

        await TerminateAsync(doomed.ProcessID);
        await using (var write = new PostgresWriteSession(doomed, Warm))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => write.RunAsync([new Statement("SELECT 1")], CancellationToken.None));
        }

        Assert.Equal(0, Warm.IdleCount);
        var next = await Warm.RentAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand("SELECT 1", next);
        Assert.Equal(1, await command.ExecuteScalarAsync());
        await Warm.ReturnAsync(next, reusable: true);
    }

    [Fact]
    public async Task A_transaction_left_open_is_rolled_back_before_the_connection_is_reused()
    {
        var connection = await Warm.RentAsync(CancellationToken.None);
        var write = new PostgresWriteSession(connection, Warm);
        await write.RunAsync([new Statement("CREATE TEMP TABLE left_open (x int)")], CancellationToken.None);
        await write.DisposeAsync();

        var again = await Warm.RentAsync(CancellationToken.None);
        Assert.Same(connection, again);
        await using var command = new NpgsqlCommand("SELECT to_regclass('pg_temp.left_open') IS NULL", again);
        Assert.Equal(true, await command.ExecuteScalarAsync()); // the table's transaction was rolled back, not left open
        await Warm.ReturnAsync(again, reusable: true);
    }

    [Fact]
    public async Task Disposing_the_factory_returns_every_warm_connection()
    {
        var a = await Warm.RentAsync(CancellationToken.None);
        var b = await Warm.RentAsync(CancellationToken.None);
        await Warm.ReturnAsync(a, reusable: true);
        await Warm.ReturnAsync(b, reusable: true);
        Assert.Equal(2, await ServerConnectionsAsync());

        await factory.DisposeAsync();

        Assert.Equal(0, Warm.IdleCount);
        Assert.Equal(0, await ServerConnectionsAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Warm.RentAsync(CancellationToken.None).AsTask());
    }

    private async Task<int> ServerConnectionsAsync()
    {
        // Backends exit shortly after the client closes: poll briefly for the count to settle.
        var deadline = Stopwatch.StartNew();
        int count;
        int previous = -1;
        while (true)
        {
            count = Convert.ToInt32(await AdminScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", applicationName), System.Globalization.CultureInfo.InvariantCulture);
            if (count == previous || deadline.Elapsed > TimeSpan.FromSeconds(5))
            {
                return count;
            }

            previous = count;
            await Task.Delay(200);
        }
    }

    private static Task<object?> TerminateAsync(int processId) => AdminScalarAsync("SELECT pg_terminate_backend($1)", processId);

    private static async Task<object?> AdminScalarAsync(string sql, object value)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new NpgsqlParameter { Value = value } } };
        return await command.ExecuteScalarAsync();
    }

    private sealed class ManualClock : TimeProvider
    {
        private long now = Stopwatch.GetTimestamp();

        public override long TimestampFrequency => Stopwatch.Frequency;

        public override long GetTimestamp() => Interlocked.Read(ref now);

        public void Advance(TimeSpan by) => Interlocked.Add(ref now, (long)(by.TotalSeconds * Stopwatch.Frequency));
    }
}
