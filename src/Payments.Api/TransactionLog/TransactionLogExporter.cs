using System.Data.Common;
using System.Diagnostics;
using Payments.Api.Observability;

namespace Payments.Api.TransactionLog;

/// <summary>What one export step did.</summary>
/// <param name="Exported">Events written to the sink and covered by the cursor.</param>
/// <param name="Cursor">The cursor after the step.</param>
/// <param name="BlockedByGap">
/// A missing seq below committed rows may still be filled by a transaction in flight, so export
/// stopped in front of it.
/// </param>
/// <param name="MoreAvailable">Another step right away will make progress (full batch, or a gap just settled).</param>
public readonly record struct ExportStep(int Exported, long Cursor, bool BlockedByGap, bool MoreAvailable);

/// <summary>
/// Exports the transaction log in seq order, one batch per step, at least once. The cursor moves
/// only after the sink has the batch; a step that fails in between is repeated with the same first
/// seq, so the sink replaces the copy (docs/transaction-log.md explains the gap rule).
/// </summary>
public sealed partial class TransactionLogExporter
{
    private readonly ITransactionLogStore store;
    private readonly ITransactionLogSink sink;
    private readonly PaymentsMetrics metrics;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly int batchSize;
    private readonly string sinkKind;
    private readonly bool reportsBacklog;

    // Writers seen in flight right after a read that found a gap; see TryPassGap.
    private GapWatch? watch;

    /// <param name="sinkKind">The sink tag of the export metrics; s3 or directory from the sink when null.</param>
    /// <param name="reportsBacklog">False for a reader of the log other than the relay (the webhook fan-out): the backlog gauge is the relay's.</param>
    public TransactionLogExporter(
        ITransactionLogStore store, ITransactionLogSink sink, int batchSize, PaymentsMetrics metrics, ILogger logger, TimeProvider time,
        string? sinkKind = null, bool reportsBacklog = true)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        this.store = store;
        this.sink = sink;
        this.batchSize = batchSize;
        this.metrics = metrics;
        this.logger = logger;
        this.time = time;
        this.sinkKind = sinkKind ?? (sink is S3TransactionLogSink ? "s3" : "directory");
        this.reportsBacklog = reportsBacklog;
    }

    /// <summary>
    /// One step: read the rows after the cursor, keep the gap-free prefix, write it to the sink,
    /// then move the cursor. On PostgreSQL the caller must hold the relay lock on <paramref name="connection"/>.
    /// </summary>
    public async Task<ExportStep> ExportNextBatchAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);

        // Checked BEFORE the read: if every writer recorded after the previous read has ended by
        // now, a seq still missing in the read below was rolled back (see docs/transaction-log.md).
        var settledWatch = watch is not null && !await store.AnyWriterStillRunningAsync(connection, watch.Writers, cancellationToken)
            ? watch
            : null;

        var cursor = await store.ReadCursorAsync(connection, cancellationToken);
        var rows = await store.ReadAfterAsync(connection, cursor, batchSize, cancellationToken);

        var accepted = new List<TransactionLogEvent>(rows.Count);
        var gaps = new List<SeqRange>();
        var expected = cursor + 1;
        var blocked = false;
        foreach (var row in rows)
        {
            if (row.Seq > expected)
            {
                var gap = new SeqRange(expected, row.Seq - 1);
                if (!CanPassGap(gap, settledWatch))
                {
                    blocked = true;
                    break;
                }

                gaps.Add(gap);
                LogGapPassed(logger, gap.From, gap.To);
            }

            accepted.Add(row);
            expected = row.Seq + 1;
        }

        var retryAtOnce = false;
        if (blocked)
        {
            if (watch is null || settledWatch is not null)
            {
                // Recorded AFTER the read: every transaction that drew a seq below the highest seq
                // just read and has not ended yet is in this list.
                var writers = await store.TransactionLogWritersAsync(connection, cancellationToken);
                watch = new GapWatch(writers, rows[^1].Seq);
                retryAtOnce = writers.Count == 0;
            }
        }
        else
        {
            watch = null;
        }

        if (accepted.Count == 0)
        {
            if (reportsBacklog)
            {
                metrics.TransactionLogBacklog(rows.Count == 0 ? 0 : await store.MaxSeqAsync(connection, cancellationToken) - cursor);
            }

            return new ExportStep(0, cursor, blocked, retryAtOnce);
        }

        var batch = new TransactionLogBatch(accepted);
        using (var activity = PaymentsMetrics.ActivitySource.StartActivity("transaction_log.export"))
        {
            activity?.SetTag("transaction_log.first_seq", batch.FirstSeq);
            activity?.SetTag("transaction_log.last_seq", batch.LastSeq);
            activity?.SetTag("transaction_log.events", accepted.Count);
            await sink.WriteAsync(batch, cancellationToken);
        }

        // The sink has the batch: record it even if shutdown started meanwhile, so the next run
        // does not write it again. This is short and bounded by the host's shutdown timeout.
        if (!await store.AdvanceCursorAsync(connection, cursor, batch.LastSeq, gaps, accepted.Count, CancellationToken.None))
        {
            throw new InvalidOperationException(
                $"transaction-log cursor moved from {cursor} by another relay while this one held the relay lock; batch {batch.Name} was written and will be rewritten");
        }

        metrics.EventsExported(accepted.Count, sinkKind);
        metrics.ExportLag(time.GetUtcNow() - batch.Events[^1].CreatedAt);
        if (reportsBacklog)
        {
            metrics.TransactionLogBacklog(Math.Max(0, await store.MaxSeqAsync(connection, CancellationToken.None) - batch.LastSeq));
        }

        LogExported(logger, accepted.Count, batch.FirstSeq, batch.LastSeq, sink.Destination);
        return new ExportStep(accepted.Count, batch.LastSeq, blocked, MoreAvailable: blocked || rows.Count == batchSize);
    }

    /// <summary>
    /// Exports rows that appeared inside a gap the relay had already passed. The gap rule makes
    /// this impossible unless its assumptions were broken (e.g. a sequence cache &gt; 1); the rows
    /// are then exported late, out of order, rather than lost.
    /// </summary>
    public async Task<int> ExportLateRowsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var late = await store.ReadLateRowsAsync(connection, batchSize, cancellationToken);
        if (late.Count == 0)
        {
            return 0;
        }

        LogLateRows(logger, late.Count, late[0].Seq);
        await sink.WriteAsync(new TransactionLogBatch(late), cancellationToken);
        await store.RecordLateExportsAsync(connection, late.Select(e => e.Seq), CancellationToken.None);
        metrics.EventsExported(late.Count, sinkKind);
        return late.Count;
    }

    private bool CanPassGap(SeqRange gap, GapWatch? settledWatch)
    {
        if (store.GapsAreFinal)
        {
            return true;
        }

        // Every missing seq is below a seq that was committed when the watch was recorded, so its
        // writer was in the watch's list (or had already ended); all of them have ended since.
        return settledWatch is not null && gap.To < settledWatch.CoveredBelowSeq;
    }

    private sealed record GapWatch(IReadOnlyList<string> Writers, long CoveredBelowSeq);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Exported {Count} transaction-log events (seq {FirstSeq}..{LastSeq}) to {Destination}")]
    private static partial void LogExported(ILogger logger, int count, long firstSeq, long lastSeq, string destination);

    [LoggerMessage(Level = LogLevel.Information, Message = "Transaction-log seq {FromSeq}..{ToSeq} is a permanent gap (rolled back); passed")]
    private static partial void LogGapPassed(ILogger logger, long fromSeq, long toSeq);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} transaction-log rows appeared inside gaps already passed (first seq {FirstSeq}); exporting them late, out of order")]
    private static partial void LogLateRows(ILogger logger, int count, long firstSeq);
}
