using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Payments.Api.Storage;
using Payments.Api.TransactionLog;

namespace Payments.Api.Tests.TransactionLog;

public sealed class TransactionLogHostingTests
{
    [Theory]
    [InlineData(null, null, true)]
    [InlineData("all", null, true)]
    [InlineData("worker", null, true)]
    [InlineData("api", null, false)]
    [InlineData("api", "true", true)]
    [InlineData("worker", "false", false)]
    public void The_relay_runs_for_the_worker_and_all_roles_unless_configured_otherwise(string? role, string? relayEnabled, bool expected)
    {
        using var host = BuildHost(new() { ["role"] = role, ["Payments:TransactionLog:RelayEnabled"] = relayEnabled });

        Assert.Equal(expected, host.Services.GetServices<IHostedService>().OfType<TransactionLogRelay>().Any());
    }

    [Fact]
    public void An_unknown_role_is_rejected_with_the_allowed_values()
    {
        var error = Assert.Throws<global::Payments.Api.Hosting.InvalidSettingException>(() => BuildHost(new() { ["role"] = "batch" }));

        Assert.Contains("api, worker or all", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_sink_is_rejected_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => BuildHost(new() { ["Payments:TransactionLog:Sink"] = "Kafka" }));

        Assert.Contains("Payments:TransactionLog:Sink", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_sink_is_the_data_directory()
    {
        using var host = BuildHost([]);

        var sink = Assert.IsType<DirectoryTransactionLogSink>(host.Services.GetRequiredService<ITransactionLogSink>());
        Assert.Equal(Path.GetFullPath("./data/transaction-log"), sink.Destination);
    }

    [Fact]
    public void The_s3_sink_uses_the_bucket_and_prefix()
    {
        using var host = BuildHost(new()
        {
            ["Payments:TransactionLog:Sink"] = "S3",
            ["Payments:TransactionLog:Bucket"] = "payments-tlog",
            ["Payments:TransactionLog:Prefix"] = "prod/events",
            ["Payments:TransactionLog:ServiceUrl"] = "http://127.0.0.1:9",
            ["Payments:TransactionLog:ForcePathStyle"] = "true",
        });

        var sink = Assert.IsType<S3TransactionLogSink>(host.Services.GetRequiredService<ITransactionLogSink>());
        Assert.Equal("s3://payments-tlog/prod/events/", sink.Destination);
    }

    [Theory]
    [InlineData("Sink", "S3", "Bucket is not set")]
    [InlineData("BatchSize", "0", "BatchSize must be 1..10000")]
    [InlineData("PollIntervalMs", "1", "PollIntervalMs must be 10..600000")]
    [InlineData("ServiceUrl", "not a url", "ServiceUrl must be an absolute URL")]
    public async Task Invalid_settings_fail_start_up_with_a_clear_message(string key, string value, string message)
    {
        using var host = BuildHost(new() { [$"Payments:TransactionLog:{key}"] = value, ["role"] = "api" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IConnectionFactory>(new SqliteConnectionFactory("Data Source=:memory:"));
        builder.AddTransactionLog();
        return builder.Build();
    }
}

public sealed class RelayToS3Tests : IClassFixture<S3rverServer>
{
    private readonly S3rverServer server;

    public RelayToS3Tests(S3rverServer server) => this.server = server;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task The_hosted_relay_exports_to_a_real_s3_server_in_seq_order(StoreKind store)
    {
        await using var database = await RelayDatabase.CreateAsync(store);
        using var client = server.CreateClient();
        var bucket = "relay-" + Guid.NewGuid().ToString("N")[..12];
        await client.PutBucketAsync(bucket);
        var seqs = new List<long>();
        for (var i = 0; i < 12; i++)
        {
            seqs.Add(await database.AppendAsync());
        }

        using var relay = new TransactionLogRelay(
            SqlTransactionLogStore.For(database.Connections),
            new S3TransactionLogSink(client, bucket, "tlog/", useChunkEncoding: false),
            Options.Create(new TransactionLogOptions { PollIntervalMs = 50, BatchSize = 5 }),
            RelayTestKit.Metrics,
            TimeProvider.System,
            NullLogger<TransactionLogRelay>.Instance);
        await relay.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60); // generous: three uploads to a Node server on a busy machine
        while (await database.CursorAsync() != seqs[^1] && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await relay.StopAsync(CancellationToken.None);

        var listing = await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket });
        var keys = listing.S3Objects.Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([$"tlog/{seqs[0]:D20}.jsonl", $"tlog/{seqs[5]:D20}.jsonl", $"tlog/{seqs[10]:D20}.jsonl"], keys);
        var exported = new List<long>();
        foreach (var key in keys)
        {
            using var response = await client.GetObjectAsync(bucket, key);
            using var reader = new StreamReader(response.ResponseStream);
            while (await reader.ReadLineAsync() is { } line)
            {
                exported.Add(System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("seq").GetInt64());
            }
        }

        Assert.Equal(seqs, exported);
    }
}
