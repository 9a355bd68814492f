using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Storage.Batching;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// Group commit's queue: batching under load, no wait when idle, per-item results, a failed commit
/// failing exactly its members, bounds, cancellation and draining on shutdown. Commits are gated by
/// signals the test controls, never by sleeps.
/// </summary>
public sealed class CommitBatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_lone_write_commits_at_once_as_a_batch_of_one()
    {
        var store = new GatedStore(open: true);
        await using var batcher = store.Batcher(new BatchingOptions { MaxBatchSize = 64, Linger = TimeSpan.FromMilliseconds(50) }, new FakeTimeProvider());

        // The fake clock never moves: had the writer waited for company, this would not complete.
        var result = await batcher.SubmitAsync(7).WaitAsync(Deadline);

        Assert.Equal("ok:7", result);
        Assert.Equal([[7]], store.Batches);
    }

    [Fact]
    public async Task Writes_arriving_during_a_commit_go_together_into_the_next_one_up_to_the_size_bound()
    {
        var store = new GatedStore(open: false);
        await using var batcher = store.Batcher(new BatchingOptions { MaxBatchSize = 4 }, TimeProvider.System);

        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var rest = Enumerable.Range(1, 10).Select(i => batcher.SubmitAsync(i)).ToList();
        await WaitUntil(() => batcher.Queued == 10);
        store.Open();

        var results = await Task.WhenAll(rest.Prepend(first)).WaitAsync(Deadline);

        Assert.Equal(Enumerable.Range(0, 11).Select(i => $"ok:{i}"), results);
        Assert.Equal([1, 4, 4, 2], store.Batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 11), store.Batches.SelectMany(b => b));
    }

    [Fact]
    public async Task Each_member_gets_its_own_result_and_a_refused_member_does_not_fail_the_others()
    {
        var store = new GatedStore(open: false, outcome: i => i == 2 ? "declined:2" : $"ok:{i}");
        await using var batcher = store.Batcher(new BatchingOptions(), TimeProvider.System);

        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var batch = Enumerable.Range(1, 3).Select(i => batcher.SubmitAsync(i)).ToList();
        await WaitUntil(() => batcher.Queued == 3);
        store.Open();

        Assert.Equal("ok:0", await first.WaitAsync(Deadline));
        Assert.Equal(["ok:1", "declined:2", "ok:3"], await Task.WhenAll(batch).WaitAsync(Deadline));
    }

    [Fact]
    public async Task A_failed_commit_fails_exactly_its_members()
    {
        var store = new GatedStore(open: false, fail: batch => batch.Contains(2));
        await using var batcher = store.Batcher(new BatchingOptions(), TimeProvider.System);

        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var doomed = new[] { batcher.SubmitAsync(1), batcher.SubmitAsync(2) };
        await WaitUntil(() => batcher.Queued == 2);
        store.Open();

        Assert.Equal("ok:0", await first.WaitAsync(Deadline));
        foreach (var member in doomed)
        {
            var error = await Assert.ThrowsAsync<TimeoutException>(() => member.WaitAsync(Deadline));
            Assert.Equal("commit timed out", error.Message);
        }

        // The next write is a new batch and commits.
        Assert.Equal("ok:3", await batcher.SubmitAsync(3).WaitAsync(Deadline));
        Assert.Equal([[0], [1, 2], [3]], store.Batches);
    }

    [Fact]
    public async Task A_commit_that_outlives_the_commit_timeout_is_cancelled_and_fails_its_members_as_a_timeout()
    {
        var time = new FakeTimeProvider();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new CommitBatcher<int, string>(async (items, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return ["never"];
        }, new BatchingOptions { CommitTimeout = TimeSpan.FromSeconds(2) }, time);
        await using var _ = batcher;

        var member = batcher.SubmitAsync(1);
        await started.Task.WaitAsync(Deadline);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(member.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => member.WaitAsync(Deadline));
        Assert.Contains("within 2 s", error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
    }

    [Fact]
    public async Task A_commit_that_returns_the_wrong_number_of_results_fails_its_members_instead_of_guessing()
    {
        var batcher = new CommitBatcher<int, string>(
            (items, _) => Task.FromResult<IReadOnlyList<string>>(["one", "two"]), new BatchingOptions(), TimeProvider.System);
        await using var _ = batcher;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SubmitAsync(1).WaitAsync(Deadline));
        Assert.Contains("2 results for 1 items", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_with_a_typed_error()
    {
        var store = new GatedStore(open: false);
        await using var batcher = store.Batcher(new BatchingOptions { MaxQueued = 2 }, TimeProvider.System);

        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var waiting = new[] { batcher.SubmitAsync(1), batcher.SubmitAsync(2) };

        var refused = await Assert.ThrowsAsync<BatchQueueFullException>(() => batcher.SubmitAsync(3));
        Assert.Contains("more than 2 writes", refused.Message, StringComparison.Ordinal);

        store.Open();
        await Task.WhenAll(waiting.Prepend(first)).WaitAsync(Deadline);
        Assert.DoesNotContain(3, store.Batches.SelectMany(b => b));
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_is_never_committed()
    {
        var store = new GatedStore(open: false);
        await using var batcher = store.Batcher(new BatchingOptions(), TimeProvider.System);
        using var cancel = new CancellationTokenSource();

        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var cancelled = batcher.SubmitAsync(1, cancel.Token);
        var kept = batcher.SubmitAsync(2);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Deadline));
        store.Open();

        await Task.WhenAll(first, kept).WaitAsync(Deadline);
        Assert.Equal([[0], [2]], store.Batches);
    }

    [Fact]
    public async Task Under_load_a_writer_lingers_for_a_fuller_batch_but_only_as_long_as_configured()
    {
        var time = new FakeTimeProvider();
        var store = new GatedStore(open: false);
        var batcher = store.Batcher(new BatchingOptions { MaxBatchSize = 8, Linger = TimeSpan.FromMilliseconds(5), LingerAfterBatchOf = 2 }, time);
        await using var _ = batcher;

        await CommitABatchOfTwoAsync(store, batcher);

        // The last batch had 2 items (load): the next write waits for company until the linger is over.
        var lingering = batcher.SubmitAsync(3);
        await WaitUntil(() => batcher.Queued == 0);
        var company = batcher.SubmitAsync(4);
        Assert.False(lingering.IsCompleted);

        // The clock moves 1 ms at a time until the commit happens (the writer may start its linger late).
        var both = Task.WhenAll(lingering, company);
        var advanced = TimeSpan.Zero;
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            while (!both.IsCompleted)
            {
                deadline.Token.ThrowIfCancellationRequested();
                time.Advance(TimeSpan.FromMilliseconds(1));
                advanced += TimeSpan.FromMilliseconds(1);
                await Task.Yield();
            }
        }

        await both;
        Assert.True(advanced >= TimeSpan.FromMilliseconds(5), $"committed after {advanced.TotalMilliseconds} ms of a 5 ms linger");
        Assert.Equal([[0], [1, 2], [3, 4]], store.Batches);
    }

    [Fact]
    public async Task A_writer_whose_linger_ran_out_before_it_looked_still_takes_what_is_already_queued()
    {
        // A busy machine: the writer is descheduled right after its linger began, for longer than the linger, and a
        // write arrives meanwhile; it must join the lingering write's commit, not wait for the next one.
        var linger = TimeSpan.FromMilliseconds(5);
        var clock = new LateWriterClock(linger);
        var store = new GatedStore(open: false);
        var batcher = store.Batcher(new BatchingOptions { MaxBatchSize = 8, Linger = linger, LingerAfterBatchOf = 2 }, clock);
        await using var _ = batcher;

        await CommitABatchOfTwoAsync(store, batcher);

        var lingering = batcher.SubmitAsync(3);
        Assert.True(clock.LingerStarted.Wait(Deadline), "the writer did not linger after a batch of 2");
        var late = batcher.SubmitAsync(4);
        clock.Resume.Set();
        await Task.WhenAll(lingering, late).WaitAsync(Deadline);

        Assert.Equal([[0], [1, 2], [3, 4]], store.Batches);
    }

    [Fact]
    public async Task Shutdown_commits_everything_already_queued_and_refuses_new_writes()
    {
        var store = new GatedStore(open: false);
        var batcher = store.Batcher(new BatchingOptions(), TimeProvider.System);

        var accepted = Enumerable.Range(0, 5).Select(i => batcher.SubmitAsync(i)).ToList();
        await store.CommitStarted.WaitAsync(Deadline);
        var disposing = batcher.DisposeAsync().AsTask();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.SubmitAsync(99));
        store.Open();
        await disposing.WaitAsync(Deadline);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"ok:{i}"), await Task.WhenAll(accepted).WaitAsync(Deadline));
        Assert.Equal(Enumerable.Range(0, 5), store.Batches.SelectMany(b => b));
    }

    [Fact]
    public void Options_out_of_bounds_are_refused_when_the_batcher_is_built()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { MaxBatchSize = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { MaxConcurrentCommits = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { MaxQueued = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { Linger = TimeSpan.FromSeconds(2) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchingOptions { Linger = TimeSpan.FromMilliseconds(-1) }.Validate());
    }

    /// <summary>Commits [0], then [1, 2] (queued while [0] was held): the writer's last batch had 2 items.</summary>
    private static async Task CommitABatchOfTwoAsync(GatedStore store, CommitBatcher<int, string> batcher)
    {
        var first = batcher.SubmitAsync(0);
        await store.CommitStarted.WaitAsync(Deadline);
        var second = new[] { batcher.SubmitAsync(1), batcher.SubmitAsync(2) };
        await WaitUntil(() => batcher.Queued == 2);
        store.Open();
        await Task.WhenAll(second.Prepend(first)).WaitAsync(Deadline);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            await Task.Yield();
            deadline.Token.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// The system clock, except that a writer starting its linger stops there until <see cref="Resume"/> and then finds
    /// the linger already over: what a writer descheduled for longer than the linger sees.
    /// </summary>
    private sealed class LateWriterClock(TimeSpan linger) : TimeProvider
    {
        public ManualResetEventSlim LingerStarted { get; } = new();

        public ManualResetEventSlim Resume { get; } = new();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime != linger)
            {
                return base.CreateTimer(callback, state, dueTime, period);
            }

            LingerStarted.Set();
            Resume.Wait(Deadline);
            using var fired = new ManualResetEventSlim();
            var timer = base.CreateTimer(s => { callback(s); fired.Set(); }, state, TimeSpan.Zero, period);
            fired.Wait(Deadline);
            return timer;
        }
    }

    /// <summary>A commit function whose first commit waits for <see cref="Open"/>, recording every batch.</summary>
    private sealed class GatedStore(bool open, Func<int, string>? outcome = null, Func<IReadOnlyList<int>, bool>? fail = null)
    {
        private readonly TaskCompletionSource gate = CompletedIf(open);
        private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<List<int>> batches = new();

        public Task CommitStarted => started.Task;

        public List<List<int>> Batches => [.. batches];

        public void Open() => gate.TrySetResult();

        public CommitBatcher<int, string> Batcher(BatchingOptions options, TimeProvider time) => new(CommitAsync, options, time);

        private async Task<IReadOnlyList<string>> CommitAsync(IReadOnlyList<int> items, CancellationToken token)
        {
            batches.Enqueue([.. items]);
            started.TrySetResult();
            await gate.Task.ConfigureAwait(false);
            if (fail?.Invoke(items) == true)
            {
                throw new TimeoutException("commit timed out");
            }

            return [.. items.Select(i => outcome?.Invoke(i) ?? $"ok:{i}")];
        }

        private static TaskCompletionSource CompletedIf(bool open)
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (open)
            {
                source.TrySetResult();
            }

            return source;
        }
    }
}
