using System.Diagnostics;
using System.Threading.Channels;

namespace Payments.Api.Storage.Batching;

/// <summary>
/// Group commit: concurrent writes are queued and handed to <c>commit</c> in batches, one database
/// transaction per batch. A writer takes whatever is queued when it becomes free, so an idle service
/// commits a lone write at once (batch of one, no added wait) and a busy one commits everything that
/// arrived during the previous commit together. Each submitter's task completes only after the
/// commit that holds its item has returned, so "completed" still means "durably committed".
/// </summary>
/// <remarks>
/// <c>commit</c> returns one result per item, in order: per-item outcomes (a decline, a duplicate key)
/// are results, not exceptions, so one member never fails its batch-mates. An exception from
/// <c>commit</c> (the transaction did not commit) fails exactly that batch's members. <c>commit</c>
/// gets a token that is cancelled after <see cref="BatchingOptions.CommitTimeout"/>; a commit that
/// stops on it fails its members with a <see cref="TimeoutException"/>.
/// </remarks>
public sealed class CommitBatcher<TItem, TResult> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> commit;
    private readonly BatchingOptions options;
    private readonly TimeProvider time;
    private readonly Action<int, TimeSpan>? onBatch;
    private readonly Channel<Entry> queue;
    private readonly Task[] writers;
    private int queued;

    public CommitBatcher(
        Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> commit,
        BatchingOptions options,
        TimeProvider time,
        Action<int, TimeSpan>? onBatch = null)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.commit = commit;
        this.options = options;
        this.time = time;
        this.onBatch = onBatch;
        // Unbounded channel with our own count: a full queue must refuse at once (typed 503), not make callers wait.
        // Not SingleReader even with one writer: only the multi-reader channel can count its items (Queued).
        queue = Channel.CreateUnbounded<Entry>();
        writers = new Task[options.MaxConcurrentCommits];
        for (var i = 0; i < writers.Length; i++)
        {
            writers[i] = Task.Run(WriteLoopAsync);
        }
    }

    /// <summary>Items waiting for a writer (not those being committed).</summary>
    /// <remarks>
    /// The channel's own count, not <c>queued</c>: that one reserves a place under <see cref="BatchingOptions.MaxQueued"/>
    /// before the item is written, so it can include an item no writer can take yet.
    /// </remarks>
    public int Queued => queue.Reader.Count;

    /// <summary>
    /// Queues <paramref name="item"/> and completes with its result once its batch has committed.
    /// Cancelling before a writer took the item removes it; after that the commit runs to its end.
    /// </summary>
    /// <exception cref="BatchQueueFullException">More than <see cref="BatchingOptions.MaxQueued"/> items are waiting.</exception>
    /// <exception cref="ObjectDisposedException">The batcher is shutting down.</exception>
    public async Task<TResult> SubmitAsync(TItem item, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Increment(ref queued) > options.MaxQueued)
        {
            Interlocked.Decrement(ref queued);
            throw new BatchQueueFullException(options.MaxQueued);
        }

        var entry = new Entry(item);
        if (!queue.Writer.TryWrite(entry))
        {
            Interlocked.Decrement(ref queued);
            throw new ObjectDisposedException(nameof(CommitBatcher<TItem, TResult>), "the store is shutting down");
        }

        await using (cancellationToken.Register(static e => ((Entry)e!).TryCancel(), entry))
        {
            return await entry.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking new items and commits everything already queued before returning.</summary>
    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await Task.WhenAll(writers).ConfigureAwait(false);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Entry>(options.MaxBatchSize);
        var items = new List<TItem>(options.MaxBatchSize);
        var previous = 0;
        while (await queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            Drain(batch);
            // Linger only when the last batch was large: the service is under load and a short wait buys a
            // fuller commit. When idle the previous batch was small, so a lone write never waits.
            if (options.Linger > TimeSpan.Zero && batch.Count < options.MaxBatchSize && previous >= options.LingerAfterBatchOf)
            {
                await LingerAsync(batch).ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            items.Clear();
            foreach (var entry in batch)
            {
                items.Add(entry.Item);
            }

            var started = time.GetTimestamp();
            using var timeout = new CancellationTokenSource(options.CommitTimeout, time);
            try
            {
                var results = await commit(items, timeout.Token).ConfigureAwait(false);
                if (results.Count != batch.Count)
                {
                    throw new InvalidOperationException($"the commit returned {results.Count} results for {batch.Count} items");
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Completion.TrySetResult(results[i]);
                }
            }
            catch (Exception exception)
            {
                // A commit cancelled by its timeout did not commit: an outage to its members (retry), not a cancellation of theirs.
                var failure = exception is OperationCanceledException && timeout.IsCancellationRequested
                    ? new TimeoutException($"the commit did not finish within {options.CommitTimeout.TotalSeconds:0.###} s", exception)
                    : exception;
                foreach (var entry in batch)
                {
                    entry.Completion.TrySetException(failure);
                }
            }

            onBatch?.Invoke(batch.Count, time.GetElapsedTime(started));
            previous = batch.Count;
            batch.Clear();
        }
    }

    private void Drain(List<Entry> batch)
    {
        while (batch.Count < options.MaxBatchSize && queue.Reader.TryRead(out var entry))
        {
            Interlocked.Decrement(ref queued);
            if (entry.TryTake())
            {
                batch.Add(entry);
            }
        }
    }

    private async Task LingerAsync(List<Entry> batch)
    {
        using var timeout = new CancellationTokenSource(options.Linger, time);
        try
        {
            while (batch.Count < options.MaxBatchSize && await queue.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false))
            {
                Drain(batch);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // The linger is over: commit what we have, and what is already waiting. A writer that ran late (a busy
            // machine) can find its linger over before it first looks: WaitToReadAsync with a cancelled token
            // throws even when items are queued, and they would wait for the next commit.
            Drain(batch);
        }
    }

    [DebuggerDisplay("{Item}")]
    private sealed class Entry(TItem item)
    {
        private const int Waiting = 0;
        private const int Taken = 1;
        private const int Cancelled = 2;
        private int state;

        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool TryTake() => Interlocked.CompareExchange(ref state, Taken, Waiting) == Waiting;

        public void TryCancel()
        {
            if (Interlocked.CompareExchange(ref state, Cancelled, Waiting) == Waiting)
            {
                Completion.TrySetCanceled();
            }
        }
    }
}
