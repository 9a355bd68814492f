using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

public sealed class DirectorySinkTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "apiops-dirsink-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Writes_one_json_lines_file_per_batch_named_by_first_seq()
    {
        var sink = new DirectoryTransactionLogSink(directory);

        await sink.WriteAsync(TestEvents.Batch(1, 3), CancellationToken.None);
        await sink.WriteAsync(TestEvents.Batch(4, 4), CancellationToken.None);

        var files = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["00000000000000000001.jsonl", "00000000000000000004.jsonl"], files);
        var lines = File.ReadAllLines(Path.Combine(directory, "00000000000000000001.jsonl"));
        Assert.Equal(3, lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        Assert.Equal("evt_test00000000000000000001", first.RootElement.GetProperty("id").GetString());
        Assert.Equal(1, first.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal("payment.captured", first.RootElement.GetProperty("type").GetString());
        Assert.Equal("pay_1", first.RootElement.GetProperty("data").GetProperty("id").GetString());
        Assert.Equal(100, first.RootElement.GetProperty("data").GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task A_retried_batch_replaces_the_earlier_file_and_leaves_no_temp_files()
    {
        var sink = new DirectoryTransactionLogSink(directory);

        await sink.WriteAsync(TestEvents.Batch(10, 11), CancellationToken.None);
        await sink.WriteAsync(TestEvents.Batch(10, 14), CancellationToken.None);

        var file = Assert.Single(Directory.GetFiles(directory));
        Assert.Equal("00000000000000000010.jsonl", Path.GetFileName(file));
        var seqs = File.ReadAllLines(file).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64());
        Assert.Equal([10L, 11, 12, 13, 14], seqs);
    }

    [Fact]
    public async Task File_names_sort_in_seq_order_across_digit_counts()
    {
        var sink = new DirectoryTransactionLogSink(directory);

        foreach (var first in new long[] { 1000, 9, 95, 1 })
        {
            await sink.WriteAsync(TestEvents.Batch(first, first), CancellationToken.None);
        }

        var ordered = Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .Select(name => long.Parse(name!.AsSpan(0, 20), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal([1L, 9, 95, 1000], ordered);
    }

    [Fact]
    public async Task A_payload_that_is_not_json_is_kept_as_a_string_not_dropped()
    {
        var sink = new DirectoryTransactionLogSink(directory);

        await sink.WriteAsync(new TransactionLogBatch([TestEvents.Event(7, "not json {")]), CancellationToken.None);

        var line = Assert.Single(File.ReadAllLines(Path.Combine(directory, "00000000000000000007.jsonl")));
        using var document = JsonDocument.Parse(line);
        Assert.Equal("not json {", document.RootElement.GetProperty("data").GetProperty("unparsed_payload").GetString());
    }

    [Fact]
    public void A_batch_out_of_seq_order_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new TransactionLogBatch([TestEvents.Event(2), TestEvents.Event(1)]));
        Assert.Throws<ArgumentException>(() => new TransactionLogBatch([]));
    }
}

public sealed class S3SinkTests : IClassFixture<S3rverServer>
{
    private readonly S3rverServer server;

    public S3SinkTests(S3rverServer server) => this.server = server;

    [Fact]
    public async Task Writes_the_batch_as_json_lines_under_the_prefix_and_a_retry_overwrites_the_same_key()
    {
        using var client = server.CreateClient();
        var bucket = "tlog-" + Guid.NewGuid().ToString("N")[..12];
        await client.PutBucketAsync(bucket);
        var sink = new S3TransactionLogSink(client, bucket, "transaction-log", useChunkEncoding: false);

        await sink.WriteAsync(TestEvents.Batch(1, 2), CancellationToken.None);
        await sink.WriteAsync(TestEvents.Batch(3, 3), CancellationToken.None);
        await sink.WriteAsync(TestEvents.Batch(1, 2), CancellationToken.None);

        var listing = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Equal(
            ["transaction-log/00000000000000000001.jsonl", "transaction-log/00000000000000000003.jsonl"],
            listing.S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal));

        using var response = await client.GetObjectAsync(bucket, "transaction-log/00000000000000000001.jsonl");
        using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        Assert.Equal(Encoding.UTF8.GetString(JsonLinesWriter.Serialize(TestEvents.Batch(1, 2))), body);
        Assert.Equal("2", response.Metadata["x-amz-meta-last-seq"]);
        Assert.Equal(
            ["evt_test00000000000000000001", "evt_test00000000000000000002"],
            body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task A_missing_bucket_fails_the_write_instead_of_losing_the_batch()
    {
        using var client = server.CreateClient();
        var sink = new S3TransactionLogSink(client, "no-such-bucket-" + Guid.NewGuid().ToString("N")[..8], null, useChunkEncoding: false);

        await Assert.ThrowsAnyAsync<Amazon.S3.AmazonS3Exception>(() => sink.WriteAsync(TestEvents.Batch(1, 1), CancellationToken.None));
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData("/", "")]
    [InlineData("tlog", "tlog/")]
    [InlineData("/a/b/", "a/b/")]
    public void Prefix_is_normalised_to_end_with_one_slash(string? prefix, string expected) =>
        Assert.Equal(expected, S3TransactionLogSink.NormalizePrefix(prefix));
}
