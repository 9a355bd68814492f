namespace Payments.Api.TransactionLog;

/// <summary>
/// Where the relay delivers batches. Writing the same batch name twice must replace the earlier
/// copy (never append a second one): that turns the relay's at-least-once retries into
/// exactly-one copy per batch in the common case.
/// </summary>
public interface ITransactionLogSink
{
    /// <summary>A short description for logs (e.g. <c>s3://bucket/prefix/</c>).</summary>
    string Destination { get; }

    /// <summary>Durably stores the batch; returns only once the batch is safely written.</summary>
    Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken);
}
