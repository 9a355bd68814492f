using Microsoft.Extensions.Logging;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

internal static class RelayTestKit
{
    private static readonly ServiceProvider MetricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public static PaymentsMetrics Metrics { get; } = new(MetricsServices.GetRequiredService<IMeterFactory>());

    public static TransactionLogExporter Exporter(RelayDatabase database, ITransactionLogSink? sink = null, int batchSize = 500) => new(
        SqlTransactionLogStore.For(database.Connections),
        sink ?? new DirectoryTransactionLogSink(database.SinkDirectory),
        batchSize,
        Metrics,
        NullLogger.Instance,
        TimeProvider.System);

    /// <summary>Runs export steps the way the relay does (holding the relay lock on PostgreSQL) until one makes no progress.</summary>
    public static async Task<List<ExportStep>> DrainAsync(RelayDatabase database, TransactionLogExporter exporter)
    {
        await using var connection = await database.Connections.OpenAsync(CancellationToken.None);
        if (database.Kind == StoreKind.Postgres)
        {
            Assert.True(await SqlTransactionLogStore.For(database.Connections).TryTakeRelayLockAsync(connection, CancellationToken.None));
        }

        var steps = new List<ExportStep>();
        for (var i = 0; i < 1000; i++)
        {
            var step = await exporter.ExportNextBatchAsync(connection, CancellationToken.None);
            steps.Add(step);
            if (!step.MoreAvailable)
            {
                break;
            }
        }

        if (database.Kind == StoreKind.Postgres)
        {
            await SqlTransactionLogStore.For(database.Connections).ReleaseRelayLockAsync(connection);
        }

        return steps;
    }
}

/// <summary>A real sink that "crashes" the process right after the write: the batch is stored, the cursor is not moved.</summary>
internal sealed class CrashAfterWriteSink(ITransactionLogSink inner) : ITransactionLogSink
{
    public string Destination => inner.Destination;

    public async Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken)
    {
        await inner.WriteAsync(batch, cancellationToken);
        throw new IOException("simulated crash after the sink write, before the cursor update");
    }
}

/// <summary>A sink that never finishes until cancelled: a slow S3 during shutdown.</summary>
internal sealed class HangingSink : ITransactionLogSink
{
    private readonly TaskCompletionSource entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Destination => "hanging";

    public Task Entered => entered.Task;

    public async Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken)
    {
        entered.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }
}

/// <summary>A logger a test can await: <see cref="Logged"/> completes once the named log event (the [LoggerMessage] method's name) is written.</summary>
internal sealed class SignallingLogger<T> : ILogger<T>
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> events = new(StringComparer.Ordinal);

    public Task Logged(string eventName) => Event(eventName).Task;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Event(eventId.Name ?? string.Empty).TrySetResult();

    private TaskCompletionSource Event(string name) => events.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
