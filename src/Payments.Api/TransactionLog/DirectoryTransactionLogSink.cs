namespace Payments.Api.TransactionLog;

/// <summary>
/// Writes each batch as one JSON Lines file in a local directory. The file is written under a
/// temporary dot-name, flushed to disk, then renamed over the final name: a reader never sees a
/// half-written batch, and a retried batch atomically replaces the earlier copy.
/// </summary>
public sealed class DirectoryTransactionLogSink : ITransactionLogSink
{
    /// <summary>Temporary files start with this and end with <see cref="TempSuffix"/>; readers skip them.</summary>
    public const string TempPrefix = ".";

    public const string TempSuffix = ".tmp";

    private readonly string directory;

    public DirectoryTransactionLogSink(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        this.directory = Path.GetFullPath(directory);
    }

    public string Destination => directory;

    public async Task WriteAsync(TransactionLogBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        Directory.CreateDirectory(directory);
        var content = JsonLinesWriter.Serialize(batch);
        var finalPath = Path.Combine(directory, batch.Name);
        var tempPath = Path.Combine(directory, $"{TempPrefix}{batch.Name}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            await using (var stream = new FileStream(
                tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, finalPath, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp file is ignored by readers and overwritten by nobody.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
