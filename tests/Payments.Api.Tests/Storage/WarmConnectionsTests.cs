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

    private WarmConnections Warm => factory.Pool;

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
    public async Task After_the_pool_is_cleared_no_connection_of_before_is_handed_out_again_even_one_that_was_in_use()
    {
        var idle = await Warm.RentAsync(CancellationToken.None);
        var inUse = await Warm.RentAsync(CancellationToken.None);
        await Warm.ReturnAsync(idle, reusable: true);
        var before = new[] { idle.ProcessID, inUse.ProcessID };

        await factory.ClearPoolAsync();
        await Warm.ReturnAsync(inUse, reusable: true);

        Assert.Equal(0, Warm.IdleCount);
        var next = await Warm.RentAsync(CancellationToken.None);
        Assert.DoesNotContain(next.ProcessID, before);
        await Warm.ReturnAsync(next, reusable: true);
        Assert.Equal(1, Warm.IdleCount);
    }

    [Fact]
    public async Task After_a_burst_light_load_keeps_using_one_server_process_and_the_surplus_goes_back_after_the_idle_limit()
    {
        await Warm.ReturnAllAsync(await Warm.RentManyAsync(12));

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
        Assert.Equal(12, await ServerConnectionsAsync(expected: 12)); // handed back to Npgsql's pool, which closes idle ones on its own schedule
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
    public async Task When_warm_connections_fill_the_pool_a_reader_gets_one_at_once_instead_of_waiting_for_the_idle_limit()
    {
        // A burst of writes as large as the pool leaves every connection warm on the stack. Readers
        // (GET routes, the readiness check, the relay) open from Npgsql's pool: they must not wait for
        // the idle limit (the clock stands still here, so nothing is trimmed) or time out.
        await using var small = SmallPool(out var warm);
        var burst = await warm.RentManyAsync(4);
        await warm.ReturnAllAsync(burst);

        // Two readers holding their connections at the same time.
        var watch = Stopwatch.StartNew();
        await using (var first = await small.OpenAsync(CancellationToken.None))
        await using (var second = await small.OpenAsync(CancellationToken.None))
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"readers waited {watch.Elapsed}");
            Assert.Equal(4, warm.Held);

            // The coldest went back to Npgsql (the first two returned); the hot ones stay, most recent on top.
            Assert.Equal(2, warm.IdleCount);
        }

        Assert.Equal(2, warm.Held); // closed readers are no longer counted
        Assert.Same(burst[3], await warm.RentAsync(CancellationToken.None));
        Assert.Same(burst[2], await warm.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_write_waiting_for_the_pool_gets_the_next_returned_connection_instead_of_the_stack_keeping_it()
    {
        // The pool is used up by three writes in flight and one reader; a fourth write must wait for
        // Npgsql, and the first write to finish must go to it rather than onto the (empty) stack.
        await using var small = SmallPool(out var warm);
        var inFlight = await warm.RentManyAsync(3);

        await using var reader = await small.OpenAsync(CancellationToken.None);
        var fourth = warm.RentAsync(CancellationToken.None).AsTask();
        Assert.Equal(1, warm.Waiting); // counted before the rent first yields, so the next return goes to Npgsql
        Assert.False(fourth.IsCompleted); // the pool's 4 are all held: only a return can answer it

        var returnedProcess = inFlight[0].ProcessID;
        await warm.ReturnAsync(inFlight[0], reusable: true);
        var watch = Stopwatch.StartNew();
        var got = await fourth;
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"the waiting write took {watch.Elapsed}");
        Assert.Equal(returnedProcess, got.ProcessID); // the very server connection that came back
        Assert.Equal(0, warm.IdleCount);

        await warm.ReturnAllAsync([got, inFlight[1], inFlight[2]]);
        Assert.Equal(3, warm.IdleCount); // nobody waits any more: back to the stack
    }

    [Fact]
    public async Task A_reader_that_Npgsql_serves_from_its_own_idle_connections_leaves_the_warm_ones_alone()
    {
        await using var small = SmallPool(out var warm);
        Assert.Equal(1, await ReadOneAsync(small)); // one idle connection now sits in Npgsql's pool
        var write = await warm.RentAsync(CancellationToken.None);
        await warm.ReturnAsync(write, reusable: true);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(1, await ReadOneAsync(small));
        }

        Assert.Equal(1, warm.IdleCount);
        Assert.Same(write, await warm.RentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_reader_connection_that_broke_is_no_longer_counted_once_disposed()
    {
        await using var small = SmallPool(out var warm);
        var reader = await small.OpenAsync(CancellationToken.None);
        Assert.Equal(1, warm.Held);

        await TerminateAsync(((NpgsqlConnection)reader).ProcessID);
        await using (var command = reader.CreateCommand())
        {
            command.CommandText = "SELECT 1";
            await Assert.ThrowsAnyAsync<Exception>(() => command.ExecuteScalarAsync());
        }

        await reader.DisposeAsync();
        Assert.Equal(0, warm.Held); // else every later open would think the pool used up

        Assert.Equal(1, await ReadOneAsync(small));
        Assert.Equal(0, warm.Held);
    }

    /// <summary>
    /// A factory with a pool of 4 that gives up waiting for a connection after 10 s. Opening a new server process
    /// can take seconds on a busy test machine; the tests that must not wait check the elapsed time themselves.
    /// </summary>
    private PostgresConnectionFactory SmallPool(out WarmConnections warm)
    {
        var small = new PostgresConnectionFactory(PostgresServer.ConnectionString + ";Application Name=" + applicationName + ";Maximum Pool Size=4;Timeout=10", clock);
        warm = small.Pool;
        return small;
    }

    private static async Task<int> ReadOneAsync(PostgresConnectionFactory connections)
    {
        await using var connection = await connections.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Disposing_the_factory_returns_every_warm_connection()
    {
        var a = await Warm.RentAsync(CancellationToken.None);
        var b = await Warm.RentAsync(CancellationToken.None);
        await Warm.ReturnAsync(a, reusable: true);
        await Warm.ReturnAsync(b, reusable: true);
        Assert.Equal(2, await ServerConnectionsAsync(expected: 2));

        await factory.DisposeAsync();

        Assert.Equal(0, Warm.IdleCount);
        Assert.Equal(0, await ServerConnectionsAsync(expected: 0));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => Warm.RentAsync(CancellationToken.None).AsTask());
    }

    /// <summary>
    /// The server's sessions of this test once two counts in a row are <paramref name="expected"/>, else the last count
    /// after 30 s. Backends exit some time after the client closes: on a busy machine two equal counts in a row can
    /// both come before they have.
    /// </summary>
    private async Task<int> ServerConnectionsAsync(int expected)
    {
        var deadline = Stopwatch.StartNew();
        int count;
        int previous = -1;
        while (true)
        {
            count = Convert.ToInt32(await AdminScalarAsync("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", applicationName), System.Globalization.CultureInfo.InvariantCulture);
            if ((count == previous && count == expected) || deadline.Elapsed > TimeSpan.FromSeconds(30))
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
