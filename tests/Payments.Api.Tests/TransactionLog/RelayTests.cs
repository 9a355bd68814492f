using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

public sealed class RelayTests
{
    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Exports_every_event_once_in_seq_order_in_batches_named_by_first_seq(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        var seqs = new List<long>();
        for (var i = 0; i < 25; i++)
        {
            seqs.Add(await database.AppendAsync());
        }

        var steps = await RelayTestKit.DrainAsync(database, RelayTestKit.Exporter(database, batchSize: 10));

        Assert.Equal([10, 10, 5], steps.Where(s => s.Exported > 0).Select(s => s.Exported));
        var lines = database.ExportedLines();
        Assert.Equal(seqs, lines.Select(l => l.Seq));
        Assert.Equal(25, lines.Select(l => l.EventId).Distinct().Count());
        Assert.All(lines, l => Assert.StartsWith("evt_", l.EventId, StringComparison.Ordinal));
        Assert.Equal(
            [$"{seqs[0]:D20}.jsonl", $"{seqs[10]:D20}.jsonl", $"{seqs[20]:D20}.jsonl"],
            lines.Select(l => l.File).Distinct());
        Assert.Equal(seqs[^1], await database.CursorAsync());
        Assert.Equal(25, await database.ScalarAsync("SELECT exported_events FROM transaction_log_relay_cursor WHERE relay = 'default'"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_crash_between_sink_write_and_cursor_update_re_exports_the_batch_under_the_same_name(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        for (var i = 0; i < 3; i++)
        {
            await database.AppendAsync();
        }

        var crashing = RelayTestKit.Exporter(database, new CrashAfterWriteSink(new DirectoryTransactionLogSink(database.SinkDirectory)));
        await Assert.ThrowsAsync<IOException>(() => RelayTestKit.DrainAsync(database, crashing));
        Assert.Equal(0, await database.CursorAsync());
        Assert.Equal(3, database.ExportedLines().Count);

        // More events arrive while "down"; the restarted relay (fresh state) retries from the cursor.
        await database.AppendAsync();
        await RelayTestKit.DrainAsync(database, RelayTestKit.Exporter(database));

        var lines = database.ExportedLines();
        Assert.Equal(4, lines.Count);
        Assert.Single(lines.Select(l => l.File).Distinct());
        Assert.Equal(4, lines.Select(l => l.EventId).Distinct().Count());
        Assert.Equal(lines[^1].Seq, await database.CursorAsync());
    }

    [Fact]
    public async Task Postgres_a_lower_seq_committed_after_a_higher_one_is_still_exported_and_first()
    {
        await using var database = await RelayDatabase.CreateAsync(StoreKind.Postgres);
        var before = await database.AppendAsync();

        await using var slowConnection = await database.Connections.OpenAsync(CancellationToken.None);
        await using var slow = await slowConnection.BeginTransactionAsync();
        var lowSeq = await RelayDatabase.AppendAsync(slowConnection, slow);
        var highSeq = await database.AppendAsync();
        Assert.True(lowSeq < highSeq);

        var exporter = RelayTestKit.Exporter(database);
        var blocked = await RelayTestKit.DrainAsync(database, exporter);
        Assert.True(blocked[^1].BlockedByGap);
        Assert.Equal([before], database.ExportedLines().Select(l => l.Seq));
        Assert.Equal(before, await database.CursorAsync());

        // Still blocked however often the relay polls while the writer is in flight.
        await RelayTestKit.DrainAsync(database, exporter);
        Assert.Equal([before], database.ExportedLines().Select(l => l.Seq));

        await slow.CommitAsync();
        await RelayTestKit.DrainAsync(database, exporter);

        Assert.Equal([before, lowSeq, highSeq], database.ExportedLines().Select(l => l.Seq));
        Assert.Equal(highSeq, await database.CursorAsync());
        Assert.Equal(0, await database.ScalarAsync("SELECT count(*) FROM transaction_log_relay_gaps"));
    }

    [Fact]
    public async Task Postgres_a_rolled_back_seq_is_passed_once_its_writer_has_ended_and_is_recorded()
    {
        await using var database = await RelayDatabase.CreateAsync(StoreKind.Postgres);
        await using var slowConnection = await database.Connections.OpenAsync(CancellationToken.None);
        var slow = await slowConnection.BeginTransactionAsync();
        var lostSeq = await RelayDatabase.AppendAsync(slowConnection, slow);
        var committed = await database.AppendAsync();

        var exporter = RelayTestKit.Exporter(database);
        await RelayTestKit.DrainAsync(database, exporter);
        Assert.Empty(database.ExportedLines());

        await slow.RollbackAsync();
        await slow.DisposeAsync();
        await RelayTestKit.DrainAsync(database, exporter);

        Assert.Equal([committed], database.ExportedLines().Select(l => l.Seq));
        Assert.Equal(committed, await database.CursorAsync());
        Assert.Equal(lostSeq, await database.ScalarAsync("SELECT from_seq FROM transaction_log_relay_gaps"));
        Assert.Equal(lostSeq, await database.ScalarAsync("SELECT to_seq FROM transaction_log_relay_gaps"));
    }

    [Fact]
    public async Task Postgres_many_concurrent_writers_with_random_commit_order_and_rollbacks_lose_nothing()
    {
        await using var database = await RelayDatabase.CreateAsync(StoreKind.Postgres);
        var committed = new System.Collections.Concurrent.ConcurrentBag<long>();
        using var stopRelay = new CancellationTokenSource();
        var exporter = RelayTestKit.Exporter(database, batchSize: 7);
        var relay = Task.Run(async () =>
        {
            await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
            Assert.True(await SqlTransactionLogStore.For(database.Connections).TryTakeRelayLockAsync(connection, CancellationToken.None));
            while (!stopRelay.IsCancellationRequested)
            {
                var step = await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
                if (!step.MoreAvailable)
                {
                    await Task.Delay(2);
                }
            }
        });

        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            var random = new Random(writer);
            for (var i = 0; i < 40; i++)
            {
                await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
                await using var transaction = await connection.BeginTransactionAsync();
                var seq = await RelayDatabase.AppendAsync(connection, transaction);
                await Task.Delay(random.Next(0, 15));
                if (random.Next(10) == 0)
                {
                    await transaction.RollbackAsync();
                }
                else
                {
                    await transaction.CommitAsync();
                    committed.Add(seq);
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (database.ExportedLines().Count < committed.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await stopRelay.CancelAsync();
        await relay;

        var exported = database.ExportedLines().Select(l => l.Seq).ToList();
        Assert.Equal(committed.Order(), exported);
        Assert.Equal(exported.Max(), await database.CursorAsync());
        Assert.Equal(0, await database.ScalarAsync(
            "SELECT count(*) FROM transaction_log t JOIN transaction_log_relay_gaps g ON t.seq BETWEEN g.from_seq AND g.to_seq"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task A_row_that_appears_inside_a_passed_gap_is_exported_late_not_lost(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        await database.AppendWithSeqAsync(1);
        await database.AppendWithSeqAsync(4);
        var exporter = RelayTestKit.Exporter(database);
        await using (var connection = await database.Connections.OpenAsync(CancellationToken.None))
        {
            if (store == StoreKind.Postgres)
            {
                // No writer is running: the watch recorded on the first step settles on the second.
                await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
            }

            await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
            Assert.Equal(4, await database.CursorAsync());
            Assert.Equal(0, await exporter.ExportLateRowsAsync(connection, CancellationToken.None));

            await database.AppendWithSeqAsync(2);
            Assert.Equal(1, await exporter.ExportLateRowsAsync(connection, CancellationToken.None));
            Assert.Equal(0, await exporter.ExportLateRowsAsync(connection, CancellationToken.None));
        }

        Assert.Equal([1L, 2, 4], database.ExportedLines().Select(l => l.Seq).Order());
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task The_hosted_relay_exports_new_events_and_stops_promptly(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        using var relay = NewRelay(database, new DirectoryTransactionLogSink(database.SinkDirectory));
        await relay.StartAsync(CancellationToken.None);
        var seqs = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            seqs.Add(await database.AppendAsync());
        }

        await WaitUntilAsync(() => database.ExportedLines().Count == 5);
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        await relay.StopAsync(CancellationToken.None);

        // Real clock: a stop that waited for its work would never end; 10 s leaves room for a busy machine's lock release.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {stopwatch.Elapsed}");
        Assert.Equal(seqs, database.ExportedLines().Select(l => l.Seq));
        Assert.Equal(seqs[^1], await database.CursorAsync());
    }

    [Fact]
    public async Task Postgres_only_one_relay_exports_at_a_time_and_a_standby_takes_over()
    {
        await using var database = await RelayDatabase.CreateAsync(StoreKind.Postgres);
        using var first = NewRelay(database, new DirectoryTransactionLogSink(database.SinkDirectory));
        var secondLog = new SignallingLogger<TransactionLogRelay>();
        using var second = NewRelay(database, new DirectoryTransactionLogSink(database.SinkDirectory), secondLog);
        await first.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => first.IsLeader);
        await second.StartAsync(CancellationToken.None);
        await secondLog.Logged("LogStandby").WaitAsync(TimeSpan.FromSeconds(15)); // it asked for the lock and was refused
        Assert.False(second.IsLeader);
        Assert.True(first.IsLeader);

        await first.StopAsync(CancellationToken.None);
        await WaitUntilAsync(() => second.IsLeader);
        var seq = await database.AppendAsync();
        await WaitUntilAsync(() => database.ExportedLines().Count == 1);
        await second.StopAsync(CancellationToken.None);

        Assert.Equal([seq], database.ExportedLines().Select(l => l.Seq));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task The_backlog_gauge_reports_what_is_left_to_export(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var metrics = new PaymentsMetrics(meterFactory);
        var observed = new List<long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meterFactory && instrument.Name == "payments.transaction_log.backlog")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => observed.Add(value));
        listener.Start();
        for (var i = 0; i < 7; i++)
        {
            await database.AppendAsync();
        }

        listener.RecordObservableInstruments();
        Assert.Empty(observed);

        var exporter = new TransactionLogExporter(
            SqlTransactionLogStore.For(database.Connections), new DirectoryTransactionLogSink(database.SinkDirectory), 5, metrics, NullLogger.Instance, TimeProvider.System);
        await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
        await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
        listener.RecordObservableInstruments();
        await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
        listener.RecordObservableInstruments();

        Assert.Equal([2L, 0L], observed);
    }

    [Fact]
    public async Task Postgres_the_leader_session_has_short_server_keepalives_and_excludes_a_second_leader()
    {
        await using var database = await RelayDatabase.CreateAsync(StoreKind.Postgres);
        await using var leader = await database.Connections.OpenAsync(CancellationToken.None);
        await using var other = await database.Connections.OpenAsync(CancellationToken.None);

        Assert.True(await SqlTransactionLogStore.For(database.Connections).TryTakeRelayLockAsync(leader, CancellationToken.None));
        Assert.False(await SqlTransactionLogStore.For(database.Connections).TryTakeRelayLockAsync(other, CancellationToken.None));
        await using (var show = leader.CreateCommand())
        {
            show.CommandText = "SHOW tcp_keepalives_idle";
            Assert.Equal("30", await show.ExecuteScalarAsync());
        }

        await SqlTransactionLogStore.For(database.Connections).ReleaseRelayLockAsync(leader);
        Assert.True(await SqlTransactionLogStore.For(database.Connections).TryTakeRelayLockAsync(other, CancellationToken.None));
        await SqlTransactionLogStore.For(database.Connections).ReleaseRelayLockAsync(other);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Stopping_during_a_sink_write_abandons_the_batch_and_keeps_the_cursor(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        await database.AppendAsync();
        await database.AppendAsync();
        var hanging = new HangingSink();
        using (var relay = NewRelay(database, hanging))
        {
            await relay.StartAsync(CancellationToken.None);
            await hanging.Entered.WaitAsync(TimeSpan.FromSeconds(10));
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            await relay.StopAsync(CancellationToken.None);
            // Real clock: a stop that waited for the hanging sink would never end; 10 s leaves room for a busy machine.
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"stop took {stopwatch.Elapsed}");
        }

        Assert.Equal(0, await database.CursorAsync());

        using var restarted = NewRelay(database, new DirectoryTransactionLogSink(database.SinkDirectory));
        await restarted.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => database.ExportedLines().Count == 2);
        await restarted.StopAsync(CancellationToken.None);
        Assert.Equal(2, await database.CursorAsync());
    }

    private static TransactionLogRelay NewRelay(RelayDatabase database, ITransactionLogSink sink, ILogger<TransactionLogRelay>? logger = null) => new(
        SqlTransactionLogStore.For(database.Connections),
        sink,
        Options.Create(new TransactionLogOptions { PollIntervalMs = 50, BatchSize = 100 }),
        RelayTestKit.Metrics,
        TimeProvider.System,
        logger ?? NullLogger<TransactionLogRelay>.Instance);

    private static Task WaitUntilAsync(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.EventuallyAsync(condition, TimeSpan.FromSeconds(15), what);
}
