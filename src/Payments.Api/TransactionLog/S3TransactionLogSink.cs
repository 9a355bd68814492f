using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;

namespace Payments.Api.TransactionLog;

/// <summary>
/// Writes each batch as one S3 object <c>{prefix}{first seq, 20 digits}.jsonl</c>. S3 PUT replaces
/// an object atomically, so a batch retried after a crash overwrites its earlier copy instead of
/// adding a duplicate; the object appears whole or not at all.
/// </summary>
public sealed class S3TransactionLogSink : ITransactionLogSink, IDisposable
{
    private readonly IAmazonS3 client;
    private readonly string bucket;
    private readonly string prefix;
    private readonly bool useChunkEncoding;
    private readonly bool ownsClient;

    /// <param name="client">The S3 client (region, credentials and endpoint come from its config).</param>
    /// <param name="bucket">The bucket name.</param>
    /// <param name="prefix">Key prefix, e.g. <c>transaction-log/</c>; a missing trailing slash is added.</param>
    /// <param name="useChunkEncoding">
    /// Keep <c>true</c> for real S3. Some S3-compatible test servers (s3rver) store the aws-chunked
    /// framing verbatim and need it off.
    /// </param>
    /// <param name="ownsClient">Dispose <paramref name="client"/> with the sink.</param>
    public S3TransactionLogSink(IAmazonS3 client, string bucket, string? prefix, bool useChunkEncoding = true, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(bucket);
        this.client = client;
        this.bucket = bucket;
        this.prefix = NormalizePrefix(prefix);
        this.useChunkEncoding = useChunkEncoding;
        this.ownsClient = ownsClient;
    }

    public string Destination => $"s3://{bucket}/{prefix}";

    public string KeyFor(TransactionLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return prefix + batch.Name;
    }

    public async Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var content = JsonLinesWriter.Serialize(batch);
        using var body = new MemoryStream(content, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = KeyFor(batch),
            InputStream = body,
            AutoCloseStream = false,
            ContentType = "application/x-ndjson",
            UseChunkEncoding = useChunkEncoding,
        };
        request.Metadata.Add("first-seq", batch.FirstSeq.ToString(CultureInfo.InvariantCulture));
        request.Metadata.Add("last-seq", batch.LastSeq.ToString(CultureInfo.InvariantCulture));
        request.Metadata.Add("event-count", batch.Events.Count.ToString(CultureInfo.InvariantCulture));
        await client.PutObjectAsync(request, cancellationToken);
    }

    public void Dispose()
    {
        if (ownsClient)
        {
            client.Dispose();
        }
    }

    internal static string NormalizePrefix(string? prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix))
        {
            return string.Empty;
        }

        var trimmed = prefix.Trim().TrimStart('/');
        return trimmed.Length == 0 || trimmed.EndsWith('/') ? trimmed : trimmed + "/";
    }
}
