using System.Net;
using System.Text;
using System.Text.Json;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.TransactionLog;

/// <summary>
/// Through the HTTP API with the in-process relay on: every state change the API makes reaches the
/// sink once, in seq order, with its event id, type and the API object as data.
/// </summary>
public sealed class ApiEventExportTests
{
    private const string MerchantKey = "sk_test_relay_export_0123456789";

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Every_state_change_is_exported_once_in_order_with_the_api_object(StoreKind store)
    {
        var sinkDirectory = Path.Combine(Path.GetTempPath(), "apiops-api-export-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var factory = await PaymentsApiFactory.CreateAsync(store, new Dictionary<string, string?>
            {
                ["Payments:Merchants:0:Id"] = "acct_relay_export",
                ["Payments:Merchants:0:ApiKey"] = MerchantKey,
                ["Payments:RateLimit:PermitsPerSecond"] = "0",
                ["Payments:TransactionLog:RelayEnabled"] = "true",
                ["Payments:TransactionLog:Directory"] = sinkDirectory,
                ["Payments:TransactionLog:PollIntervalMs"] = "50",
                ["Payments:TransactionLog:BatchSize"] = "3",
                ["Payments:Shutdown:DrainDelaySeconds"] = "0",
            });
            using var client = factory.CreateClient(MerchantKey);

            var authorized = await PostAsync(client, "/v1/payments", Payment("4242424242424242", capture: false), HttpStatusCode.Created);
            await PostAsync(client, $"/v1/payments/{authorized}/capture", """{"amount": 500}""", HttpStatusCode.OK);
            var refund = await PostAsync(client, $"/v1/payments/{authorized}/refunds", """{"amount": 200}""", HttpStatusCode.Created);
            var canceled = await PostAsync(client, "/v1/payments", Payment("4242424242424242", capture: false), HttpStatusCode.Created);
            await PostAsync(client, $"/v1/payments/{canceled}/cancel", "{}", HttpStatusCode.OK);
            await PostAsync(client, "/v1/payments", Payment("4000000000000002", capture: true), HttpStatusCode.PaymentRequired, idField: null);

            var expectedCount = await CountAsync(factory);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            List<JsonElement> lines;
            while ((lines = ReadLines(sinkDirectory)).Count < expectedCount)
            {
                Assert.True(DateTime.UtcNow < deadline, $"exported {lines.Count} of {expectedCount} events");
                await Task.Delay(50);
            }

            var seqs = lines.Select(l => l.GetProperty("seq").GetInt64()).ToList();
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(seqs.Count, seqs.Distinct().Count());
            Assert.Equal(expectedCount, lines.Select(l => l.GetProperty("id").GetString()).Distinct().Count());
            Assert.All(lines, l => Assert.StartsWith("evt_", l.GetProperty("id").GetString(), StringComparison.Ordinal));
            Assert.All(lines, l => Assert.Equal("acct_relay_export", l.GetProperty("merchant").GetString()));

            Assert.Equal(
                ["payment.authorized", "payment.captured", "payment.released"],
                TypesOf(lines, authorized));
            Assert.Equal(["refund.succeeded"], TypesOf(lines, refund));
            Assert.Equal(["payment.authorized", "payment.canceled"], TypesOf(lines, canceled));
            var failed = Assert.Single(lines, l => l.GetProperty("type").GetString() == "payment.failed");
            Assert.Equal("failed", failed.GetProperty("data").GetProperty("status").GetString());

            var captured = lines.Single(l => l.GetProperty("type").GetString() == "payment.captured");
            Assert.Equal(500, captured.GetProperty("data").GetProperty("amount_captured").GetInt64());
            Assert.Equal("4242", captured.GetProperty("data").GetProperty("card").GetProperty("last4").GetString());
            var all = string.Join('\n', Directory.GetFiles(sinkDirectory).Select(File.ReadAllText));
            Assert.DoesNotContain("4242424242424242", all, StringComparison.Ordinal);
            Assert.DoesNotContain("4000000000000002", all, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(sinkDirectory))
            {
                Directory.Delete(sinkDirectory, recursive: true);
            }
        }
    }

    private static string Payment(string card, bool capture) =>
        "{\"amount\": 1999, \"currency\": \"usd\", \"capture\": " + (capture ? "true" : "false") +
        ", \"payment_method\": {\"card\": {\"number\": \"" + card + "\", \"exp_month\": 12, \"exp_year\": " +
        (DateTime.UtcNow.Year + 3) + ", \"cvc\": \"123\"}}}";

    private static async Task<string?> PostAsync(HttpClient client, string path, string json, HttpStatusCode expected, string? idField = "id")
    {
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {body}");
        return idField is null ? null : JsonDocument.Parse(body).RootElement.GetProperty(idField).GetString();
    }

    private static async Task<int> CountAsync(PaymentsApiFactory factory)
    {
        await using var connection = await factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM transaction_log";
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static List<string?> TypesOf(List<JsonElement> lines, string? objectId) =>
        lines.Where(l => l.GetProperty("object_id").GetString() == objectId).Select(l => l.GetProperty("type").GetString()).ToList();

    private static List<JsonElement> ReadLines(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetFiles(directory, "*.jsonl")
            .Order(StringComparer.Ordinal)
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();
    }
}
