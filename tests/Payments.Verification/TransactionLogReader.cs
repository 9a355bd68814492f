using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;

namespace Payments.Verification;

internal sealed record LoggedEvent(string Id, string Type, string ObjectId, string Key);

/// <summary>
/// Reads the relay's objects <c>{prefix}{first seq, 20 digits}.jsonl</c> (docs/transaction-log.md). Keys sort in
/// seq order, so the newest batch is found by a binary search over <c>StartAfter</c> instead of listing a
/// bucket that may hold years of history, and a run reads only the batches written after that one.
/// </summary>
internal sealed class TransactionLogReader(IAmazonS3 s3, string bucket, string prefix)
{
    private const int SeqDigits = 20;
    private const string Suffix = ".jsonl";

    public string Location => $"s3://{bucket}/{prefix}";

    public string KeyOf(long firstSeq) => prefix + firstSeq.ToString("D20", CultureInfo.InvariantCulture) + Suffix;

    /// <summary>First seq of the newest batch object, or null when the log is empty.</summary>
    public async Task<long?> NewestBatchAsync(CancellationToken cancellationToken)
    {
        long? newest = null;
        var (low, high) = (1L, long.MaxValue);
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (await FirstBatchAtOrAfterAsync(middle, cancellationToken) is { } found)
            {
                newest = found;
                if (found == long.MaxValue)
                {
                    break;
                }
                low = found + 1;
            }
            else
            {
                high = middle - 1;
            }
        }
        return newest;
    }

    /// <summary>Every event in the batch objects whose first seq is at least <paramref name="fromBatch"/>.</summary>
    public async Task<IReadOnlyList<LoggedEvent>> EventsFromAsync(long fromBatch, CancellationToken cancellationToken)
    {
        var events = new List<LoggedEvent>();
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, StartAfter = StartAfter(fromBatch) };
        do
        {
            var page = await s3.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in page.S3Objects ?? [])
            {
                ParseSeq(item.Key);
                using var response = await s3.GetObjectAsync(bucket, item.Key, cancellationToken);
                using var reader = new StreamReader(response.ResponseStream);
                var number = 0;
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    number++;
                    events.Add(ParseEvent(line, item.Key, number));
                }
            }
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (request.ContinuationToken is not null);
        return events;
    }

    private async Task<long?> FirstBatchAtOrAfterAsync(long seq, CancellationToken cancellationToken)
    {
        var page = await s3.ListObjectsV2Async(new ListObjectsV2Request
        {
            BucketName = bucket,
            Prefix = prefix,
            StartAfter = StartAfter(seq),
            MaxKeys = 1,
        }, cancellationToken);
        return page.S3Objects is [var first, ..] ? ParseSeq(first.Key) : null;
    }

    // The key just below seq's key: StartAfter is exclusive.
    private string? StartAfter(long seq) => seq <= 1 ? null : KeyOf(seq - 1);

    private long ParseSeq(string key)
    {
        var name = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
        if (name.Length != SeqDigits + Suffix.Length || !name.EndsWith(Suffix, StringComparison.Ordinal)
            || !long.TryParse(name.AsSpan(0, SeqDigits), NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
        {
            throw new CheckFailedException($"s3://{bucket}/{key} is not a transaction-log batch (<20-digit first seq>.jsonl); the prefix '{prefix}' must hold only the relay's objects");
        }
        return seq;
    }

    private LoggedEvent ParseEvent(string line, string key, int number)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new LoggedEvent(
                root.GetProperty("id").GetString()!,
                root.GetProperty("type").GetString()!,
                root.GetProperty("object_id").GetString()!,
                key);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            var start = line.Length > 80 ? line[..80] + "…" : line;
            throw new CheckFailedException($"s3://{bucket}/{key} line {number} is not a transaction-log event ({error.Message}): {start}");
        }
    }
}
