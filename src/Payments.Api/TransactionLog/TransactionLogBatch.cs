namespace Payments.Api.TransactionLog;

/// <summary>
/// Consecutive exported events in seq order. A batch is named after its first seq, and the relay
/// always starts the next batch right after its durable cursor, so a batch that is retried after a
/// crash (sink written, cursor not yet moved) gets the same name and replaces the earlier copy.
/// </summary>
public sealed class TransactionLogBatch
{
    public TransactionLogBatch(IReadOnlyList<TransactionLogEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("a transaction-log batch needs at least one event", nameof(events));
        }

        for (var i = 1; i < events.Count; i++)
        {
            if (events[i].Seq <= events[i - 1].Seq)
            {
                throw new ArgumentException(
                    $"transaction-log batch events must be in ascending seq order (seq {events[i].Seq} after {events[i - 1].Seq})",
                    nameof(events));
            }
        }

        Events = events;
    }

    public IReadOnlyList<TransactionLogEvent> Events { get; }

    public long FirstSeq => Events[0].Seq;

    public long LastSeq => Events[^1].Seq;

    /// <summary>
    /// The object/file name: the first seq zero-padded to 20 digits (every positive bigint), so a
    /// plain lexicographic listing is seq order.
    /// </summary>
    public string Name => FormattableString.Invariant($"{FirstSeq:D20}.jsonl");
}
