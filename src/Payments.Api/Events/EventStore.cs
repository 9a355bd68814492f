using System.Globalization;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;

namespace Payments.Api.Events;

/// <summary>
/// Reads public events from the transaction log (the outbox every state change writes in its own
/// commit), so the events are exactly what was committed; nothing else writes them. Both stores:
/// the statements are shared, the log's store says how a timestamp is compared.
/// </summary>
public sealed class EventStore(ITransactionLogStore log, ReadQueries reads)
{
    // A row is the first of its object when no earlier row names the same object; a later capture
    // follows the payment's payment.authorized row.
    private const string Columns =
        "t.seq, t.event_id, t.event_type, t.object_id, t.payload, t.created_at, " +
        "CASE WHEN EXISTS (SELECT 1 FROM transaction_log p WHERE p.object_id = t.object_id AND p.merchant_id = t.merchant_id AND p.seq < t.seq) THEN 0 ELSE 1 END";

    /// <summary>
    /// Newest first, after <paramref name="startingAfter"/> (an event id); null when that event does
    /// not exist for this merchant.
    /// </summary>
    public async Task<Payments.Page<PaymentEvent>?> ListAsync(string merchantId, EventFilter filter, int limit, string? startingAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var cursor = (Seq: long.MaxValue, Position: int.MaxValue);
        if (startingAfter is not null)
        {
            if (await FindAsync(merchantId, startingAfter, cancellationToken) is not { } after)
            {
                return null;
            }

            cursor = (after.Seq, after.Position);
        }

        var logTypes = EventTypes.LogTypesFor(filter.Type);
        var events = new List<PaymentEvent>(limit + 1);
        var batch = Math.Min(limit + 1, 101);
        var seqBound = cursor.Seq;
        while (true)
        {
            var parameters = new Parameters().Add("merchant_id", merchantId).Add("seq_bound", seqBound).Add("limit", batch);
            var where = new List<string> { "t.merchant_id = @merchant_id", "t.seq <= @seq_bound", InList(parameters, "t.event_type", logTypes) };
            if (filter.CreatedGte is { } gte)
            {
                where.Add("t.created_at >= @created_gte");
                parameters.Add("created_gte", Timestamp(gte));
            }

            if (filter.CreatedLt is { } lt)
            {
                where.Add("t.created_at < @created_lt");
                parameters.Add("created_lt", Timestamp(lt));
            }

            var rows = await reads.QueryAsync(
                parameters.To($"SELECT {Columns} FROM transaction_log t WHERE {string.Join(" AND ", where)} ORDER BY t.seq DESC LIMIT @limit"),
                cancellationToken);
            foreach (var row in rows)
            {
                foreach (var candidate in Read(row))
                {
                    if ((candidate.Seq, candidate.Position).CompareTo(cursor) >= 0 || (filter.Type is { } type && candidate.Type != type))
                    {
                        continue;
                    }

                    events.Add(candidate);
                    if (events.Count > limit)
                    {
                        return new Payments.Page<PaymentEvent>(events.Take(limit).ToList(), true);
                    }
                }
            }

            if (rows.Count < batch)
            {
                return new Payments.Page<PaymentEvent>(events, false);
            }

            seqBound = Convert.ToInt64(rows[^1][0], CultureInfo.InvariantCulture) - 1;
        }
    }

    /// <summary>One of the merchant's events by id, or null.</summary>
    public async Task<PaymentEvent?> FindAsync(string merchantId, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        var rowId = eventId.EndsWith(EventTypes.CreatedSuffix, StringComparison.Ordinal) ? eventId[..^EventTypes.CreatedSuffix.Length] : eventId;
        var rows = await reads.QueryAsync(
            new Statement($"SELECT {Columns} FROM transaction_log t WHERE t.event_id = @event_id AND t.merchant_id = @merchant_id", true)
                .Add("event_id", rowId).Add("merchant_id", merchantId),
            cancellationToken);
        return rows.Count == 0 ? null : Read(rows[0]).FirstOrDefault(e => e.Id == eventId);
    }

    /// <summary>Every event of a payment and of its refunds, oldest first (a payment has a handful).</summary>
    public async Task<IReadOnlyList<PaymentEvent>> ForPaymentAsync(string merchantId, string paymentId, IReadOnlyList<string> refundIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(refundIds);
        var parameters = new Parameters().Add("merchant_id", merchantId);
        var objects = InList(parameters, "t.object_id", [paymentId, .. refundIds]);
        var rows = await reads.QueryAsync(
            parameters.To($"SELECT {Columns} FROM transaction_log t WHERE t.merchant_id = @merchant_id AND {objects} ORDER BY t.seq"),
            cancellationToken);
        return rows.SelectMany(row => Read(row).Reverse()).ToList();
    }

    private static string InList(Parameters parameters, string column, IReadOnlyList<string> values)
    {
        var names = new List<string>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            var name = $"{column.Replace("t.", "", StringComparison.Ordinal)}_{i}";
            parameters.Add(name, values[i]);
            names.Add("@" + name);
        }

        return $"{column} IN ({string.Join(", ", names)})";
    }

    private static IEnumerable<PaymentEvent> Read(object?[] row)
    {
        var seq = Convert.ToInt64(row[0], CultureInfo.InvariantCulture);
        var created = ReadTimestamp(row[5]);
        var isFirst = Convert.ToInt64(row[6], CultureInfo.InvariantCulture) == 1;
        foreach (var (id, type, position) in EventTypes.Expand((string)row[1]!, (string)row[2]!, isFirst))
        {
            yield return new PaymentEvent(id, type, seq, position, (string)row[3]!, (string)row[4]!, created);
        }
    }

    private object Timestamp(long unixSeconds) => log.Timestamp(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    private static DateTimeOffset ReadTimestamp(object? value) => value switch
    {
        DateTime dateTime => new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc)),
        DateTimeOffset offset => offset,
        string text => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
        _ => throw new InvalidOperationException($"unexpected created_at value {value?.GetType().Name ?? "null"}"),
    };

    /// <summary>Parameters gathered while the statement's text is still being built.</summary>
    private sealed class Parameters
    {
        private readonly List<KeyValuePair<string, object?>> values = [];

        public Parameters Add(string name, object? value)
        {
            values.Add(new(name, value));
            return this;
        }

        public Statement To(string sql)
        {
            var statement = new Statement(sql, true);
            statement.Parameters.AddRange(values);
            return statement;
        }
    }
}
