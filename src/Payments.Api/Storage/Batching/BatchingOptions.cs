using Payments.Api.Hosting;

namespace Payments.Api.Storage.Batching;

/// <summary>Bounds of group commit (configuration section <c>Payments:Batching</c>; docs/configuration.md).</summary>
/// <remarks>Each store starts from its own defaults (<see cref="ForPostgres"/>, <see cref="ForSqlite"/>); configuration overrides them.</remarks>
public sealed class BatchingOptions
{
    public const string Section = "Payments:Batching";

    /// <summary>
    /// PostgreSQL: one commit in flight, batches of up to 128. A batch twice as large carries half the
    /// commit cost per payment, and one server process appends to the right-hand index pages (the ids are
    /// sortable) without waiting on another's buffer locks. Raise it only when that one process is the
    /// limit (docs/benchmarks.md, "One commit in flight").
    /// </summary>
    public static BatchingOptions ForPostgres() => new() { MaxBatchSize = 128, MaxConcurrentCommits = 1 };

    /// <summary>SQLite has one writer: one commit at a time, larger batches (each fsync is the cost with synchronous=FULL).</summary>
    public static BatchingOptions ForSqlite() => new() { MaxBatchSize = 128, MaxConcurrentCommits = 1 };

    /// <summary><paramref name="defaults"/> (a store's) with the section <see cref="Section"/> of <paramref name="configuration"/> on top.</summary>
    public static BatchingOptions Configured(BatchingOptions defaults, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.GetSection(Section).Bind(defaults);
        return defaults;
    }

    /// <summary>Most items in one commit. One means no batching: every write commits alone.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>Commits in flight at once (each on its own connection).</summary>
    public int MaxConcurrentCommits { get; set; } = 1;

    /// <summary>Items allowed to wait for a writer; beyond that a write is refused at once (typed 503).</summary>
    public int MaxQueued { get; set; } = 4_096;

    /// <summary>
    /// How long a writer may wait for more items before committing, and only after a batch of at least
    /// <see cref="LingerAfterBatchOf"/> items (under load). Zero: never wait.
    /// </summary>
    public TimeSpan Linger { get; set; } = TimeSpan.Zero;

    /// <summary>The previous batch size from which a writer lingers.</summary>
    public int LingerAfterBatchOf { get; set; } = 8;

    /// <summary>
    /// A commit running longer than this fails its members (typed 503, retry) instead of holding
    /// their requests; the writer moves on to the next batch. On SQLite it also bounds every other write
    /// transaction's wait to begin (for the process's writer gate and the database's write lock:
    /// <see cref="SqliteConnectionFactory.WriteWait"/>).
    /// </summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// PostgreSQL: the idempotency-key look-ups that precede new payments are sent together as well, one
    /// round trip for everything waiting, the one-key statement once per look-up (at most <see cref="MaxLookupBatchSize"/>),
    /// instead of one round trip each. False: each look-up alone.
    /// </summary>
    public bool BatchKeyLookups { get; set; } = true;

    /// <summary>
    /// PostgreSQL: a batch's inserts go as one statement per distinct insert, every member's row in it (parameters as
    /// arrays, <see cref="MultiRowInserts"/>), instead of one statement per row. When such a statement fails,
    /// the batch runs again row by row to find the member whose row it was. False: one statement per row.
    /// </summary>
    public bool CombineInserts { get; set; } = true;

    /// <summary>Most key look-ups in one round trip.</summary>
    public int MaxLookupBatchSize { get; set; } = 256;

    /// <summary>How often the store logs the batch sizes of the last interval (when it committed any); zero: only at shutdown.</summary>
    public TimeSpan ReportEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bound out of range.</summary>
    public void Validate()
    {
        if (FirstViolation() is { } violation)
        {
            throw new ArgumentOutOfRangeException(violation.Property, violation.Value, violation.Rule);
        }
    }

    /// <summary>
    /// As <see cref="Validate"/>, for options read from configuration: throws <see cref="InvalidSettingException"/>
    /// naming the key (<c>Payments:Batching:MaxBatchSize</c>), which start-up reports as a setting to fix.
    /// </summary>
    public void ValidateSettings()
    {
        if (FirstViolation() is { } violation)
        {
            throw new InvalidSettingException($"{Section}:{violation.Property} is {violation.Value}, but {violation.Rule}");
        }
    }

    private (string Property, object Value, string Rule)? FirstViolation()
    {
        if (MaxBatchSize < 1)
        {
            return (nameof(MaxBatchSize), MaxBatchSize, "a batch holds at least one item");
        }

        if (MaxConcurrentCommits < 1)
        {
            return (nameof(MaxConcurrentCommits), MaxConcurrentCommits, "at least one commit must be allowed");
        }

        if (MaxQueued < 1)
        {
            return (nameof(MaxQueued), MaxQueued, "the queue holds at least one item");
        }

        if (Linger < TimeSpan.Zero || Linger > TimeSpan.FromSeconds(1))
        {
            return (nameof(Linger), Linger, "the linger is between 0 and 1 s");
        }

        if (LingerAfterBatchOf < 1)
        {
            return (nameof(LingerAfterBatchOf), LingerAfterBatchOf, "it is at least one");
        }

        if (MaxLookupBatchSize < 1)
        {
            return (nameof(MaxLookupBatchSize), MaxLookupBatchSize, "a look-up batch holds at least one key");
        }

        if (ReportEvery < TimeSpan.Zero)
        {
            return (nameof(ReportEvery), ReportEvery, "the report interval is zero (off) or positive");
        }

        if (CommitTimeout < TimeSpan.FromMilliseconds(100) || CommitTimeout > TimeSpan.FromMinutes(5))
        {
            return (nameof(CommitTimeout), CommitTimeout, "the commit timeout is between 100 ms and 5 min");
        }

        return null;
    }
}

/// <summary>The group-commit queue is full: the store is not keeping up. Answered as a typed 503 with a retry hint.</summary>
public sealed class BatchQueueFullException(int limit)
    : Exception($"more than {limit} writes are waiting for the database; retry shortly");
