namespace Payments.Api.TransactionLog;

public enum TransactionLogSinkKind
{
    /// <summary>JSON Lines files in a local directory (the default).</summary>
    Directory,

    /// <summary>JSON Lines objects in an S3 bucket.</summary>
    S3,
}

/// <summary>Configuration section <c>Payments:TransactionLog</c> (docs/configuration.md).</summary>
public sealed class TransactionLogOptions
{
    public const string SectionName = "Payments:TransactionLog";

    public TransactionLogSinkKind Sink { get; set; } = TransactionLogSinkKind.Directory;

    /// <summary>Directory sink: where batch files go (relative to the working directory).</summary>
    public string Directory { get; set; } = "./data/transaction-log";

    /// <summary>S3 sink: the bucket (required).</summary>
    public string? Bucket { get; set; }

    /// <summary>S3 sink: key prefix.</summary>
    public string? Prefix { get; set; } = "transaction-log/";

    /// <summary>S3 sink: endpoint of an S3-compatible store; unset means AWS S3 in the SDK's region.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>S3 sink: path-style addressing (S3-compatible stores usually need it).</summary>
    public bool ForcePathStyle { get; set; }

    /// <summary>
    /// S3 sink: streaming (aws-chunked) uploads with trailing checksums. Keep for AWS S3; turn off for
    /// S3-compatible stores that keep the chunk framing inside the object (s3rver in local runs).
    /// </summary>
    public bool ChunkedUploads { get; set; } = true;

    /// <summary>Most events in one batch (one file / object).</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Wait between polls when there is nothing to export.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>Runs the relay in this process; the role decides when unset (worker and all: yes, api: no).</summary>
    public bool? RelayEnabled { get; set; }

    internal IEnumerable<string> Validate()
    {
        if (BatchSize is < 1 or > 10_000)
        {
            yield return $"Payments:TransactionLog:BatchSize must be 1..10000 (was {BatchSize})";
        }

        if (PollIntervalMs is < 10 or > 600_000)
        {
            yield return $"Payments:TransactionLog:PollIntervalMs must be 10..600000 (was {PollIntervalMs})";
        }

        if (Sink == TransactionLogSinkKind.S3 && string.IsNullOrWhiteSpace(Bucket))
        {
            yield return "Payments:TransactionLog:Sink is S3 but Payments:TransactionLog:Bucket is not set";
        }

        if (Sink == TransactionLogSinkKind.Directory && string.IsNullOrWhiteSpace(Directory))
        {
            yield return "Payments:TransactionLog:Directory must not be empty";
        }

        if (ServiceUrl is not null && !Uri.TryCreate(ServiceUrl, UriKind.Absolute, out _))
        {
            yield return $"Payments:TransactionLog:ServiceUrl must be an absolute URL (was '{ServiceUrl}')";
        }
    }
}
