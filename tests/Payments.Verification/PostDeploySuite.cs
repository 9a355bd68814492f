using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Payments.Verification;

/// <summary>
/// The checks, in order: the service is ready, the transaction log is readable, a payment is authorized,
/// captured and partly refunded, the merchant's balance moved by exactly those amounts, and the relay's
/// objects for those changes reached the bucket.
/// </summary>
internal sealed class PostDeploySuite(PaymentsClient api, TransactionLogReader log, CheckRunner runner, TimeSpan logTimeout, string runId)
{
    public const string Currency = "usd";
    public const long Amount = 1234;
    public const long RefundAmount = 234;
    private const string TestCard = "4242424242424242";

    private long? newestBatch;
    private Balance before;
    private string? paymentId;
    private string? refundId;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await runner.RunAsync("readiness", Readiness, cancellationToken);
        await runner.RunAsync("transaction-log-access", TransactionLogAccess, cancellationToken);
        await runner.RunAsync("balance-before", async ct => $"{Currency} {before = await ReadBalanceAsync(ct)}", cancellationToken, "readiness");
        await runner.RunAsync("create-payment", CreatePayment, cancellationToken, "readiness");
        await runner.RunAsync("capture", Capture, cancellationToken, "create-payment");
        await runner.RunAsync("refund", Refund, cancellationToken, "capture");
        await runner.RunAsync("balance-moved", BalanceMoved, cancellationToken, "balance-before", "refund");
        await runner.RunAsync("transaction-log-events", TransactionLogEvents, cancellationToken, "transaction-log-access", "refund");
    }

    private async Task<string> Readiness(CancellationToken cancellationToken)
    {
        var response = await api.GetAsync("/healthz/ready", authenticated: false, cancellationToken);
        response.Expect(HttpStatusCode.OK, "GET /healthz/ready");
        return $"GET {api.BaseUrl}healthz/ready 200";
    }

    private async Task<string> TransactionLogAccess(CancellationToken cancellationToken)
    {
        newestBatch = await log.NewestBatchAsync(cancellationToken);
        return newestBatch is { } seq ? $"{log.Location}: newest batch before this run {log.KeyOf(seq)}" : $"{log.Location}: no batch yet";
    }

    private async Task<string> CreatePayment(CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["amount"] = Amount,
            ["currency"] = Currency,
            ["capture"] = false,
            ["payment_method"] = new JsonObject
            {
                ["card"] = new JsonObject
                {
                    ["number"] = TestCard,
                    ["exp_month"] = 12,
                    ["exp_year"] = DateTime.UtcNow.Year + 2,
                    ["cvc"] = "123",
                },
            },
            ["description"] = "post-deploy verification",
            ["metadata"] = new JsonObject { ["verification_run"] = runId },
        };
        var payment = (await api.PostAsync("/v1/payments", body, $"{runId}-create", cancellationToken)).Expect(HttpStatusCode.Created, "POST /v1/payments");
        ExpectField(payment, "status", "requires_capture", "authorized payment");
        ExpectField(payment, "amount_capturable", Amount, "authorized payment");
        paymentId = Text(payment, "id", "authorized payment");
        return $"{paymentId} requires_capture {Amount} {Currency}";
    }

    private async Task<string> Capture(CancellationToken cancellationToken)
    {
        var path = $"/v1/payments/{paymentId}/capture";
        var payment = (await api.PostAsync(path, null, $"{runId}-capture", cancellationToken)).Expect(HttpStatusCode.OK, $"POST {path}");
        ExpectField(payment, "status", "succeeded", "captured payment");
        ExpectField(payment, "amount_captured", Amount, "captured payment");
        return $"{paymentId} succeeded, captured {Amount}";
    }

    private async Task<string> Refund(CancellationToken cancellationToken)
    {
        var path = $"/v1/payments/{paymentId}/refunds";
        var refund = (await api.PostAsync(path, new JsonObject { ["amount"] = RefundAmount }, $"{runId}-refund", cancellationToken))
            .Expect(HttpStatusCode.Created, $"POST {path}");
        ExpectField(refund, "status", "succeeded", "refund");
        ExpectField(refund, "amount", RefundAmount, "refund");
        refundId = Text(refund, "id", "refund");
        var payment = (await api.GetAsync($"/v1/payments/{paymentId}", authenticated: true, cancellationToken)).Expect(HttpStatusCode.OK, $"GET /v1/payments/{paymentId}");
        ExpectField(payment, "amount_refunded", RefundAmount, "refunded payment");
        return $"{refundId} succeeded, {RefundAmount} of {paymentId}";
    }

    private async Task<string> BalanceMoved(CancellationToken cancellationToken)
    {
        var after = await ReadBalanceAsync(cancellationToken);
        var moved = after - before;
        var expected = new Balance(Amount, RefundAmount, Amount - RefundAmount);
        if (moved != expected)
        {
            throw new CheckFailedException(
                $"{Currency} balance moved by {moved}, expected exactly {expected} (before {before}, after {after}); "
                + "another client using the verification merchant at the same time also moves it");
        }
        return $"{Currency} moved by {moved}";
    }

    private async Task<string> TransactionLogEvents(CancellationToken cancellationToken)
    {
        string[] expected = [$"payment.authorized {paymentId}", $"payment.captured {paymentId}", $"refund.succeeded {refundId}"];
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var events = await log.EventsFromAsync(newestBatch ?? 1, cancellationToken);
            var found = events.Where(e => e.ObjectId == paymentId || e.ObjectId == refundId).ToList();
            var missing = expected.Except(found.Select(e => $"{e.Type} {e.ObjectId}")).ToList();
            if (missing.Count == 0)
            {
                var keys = found.Select(e => e.Key).Distinct().Order(StringComparer.Ordinal);
                return $"{expected.Length} events in {string.Join(", ", keys)} after {clock.Elapsed.TotalSeconds:F1} s";
            }
            if (clock.Elapsed >= logTimeout)
            {
                throw new CheckFailedException(
                    $"after {logTimeout.TotalSeconds:F0} s {log.Location} lacks {string.Join(", ", missing)} "
                    + $"({events.Count} events in the batches since the run started; is the worker running and allowed to write the bucket?)");
            }
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        }
    }

    private async Task<Balance> ReadBalanceAsync(CancellationToken cancellationToken)
    {
        var balance = (await api.GetAsync("/v1/balance", authenticated: true, cancellationToken)).Expect(HttpStatusCode.OK, "GET /v1/balance");
        if (balance["currencies"] is not JsonArray currencies)
        {
            throw new CheckFailedException($"GET /v1/balance: no 'currencies' list in {balance.ToJsonString()}");
        }
        var entry = currencies.OfType<JsonObject>().FirstOrDefault(c => c["currency"]?.GetValue<string>() == Currency);
        return entry is null
            ? new Balance(0, 0, 0)
            : new Balance(Number(entry, "captured", "balance"), Number(entry, "refunded", "balance"), Number(entry, "net", "balance"));
    }

    private static void ExpectField(JsonNode node, string field, object expected, string what)
    {
        var actual = node[field]?.ToJsonString();
        var wanted = expected is string text ? JsonValue.Create(text).ToJsonString() : Convert.ToString(expected, CultureInfo.InvariantCulture);
        if (actual != wanted)
        {
            throw new CheckFailedException($"{what}: expected {field} {wanted}, got {actual ?? "nothing"}");
        }
    }

    private static string Text(JsonNode node, string field, string what) =>
        node[field] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw new CheckFailedException($"{what}: no '{field}' in {node.ToJsonString()}");

    private static long Number(JsonNode node, string field, string what) =>
        node[field] is JsonValue value && value.TryGetValue<long>(out var number)
            ? number
            : throw new CheckFailedException($"{what}: no integer '{field}' in {node.ToJsonString()}");

    private readonly record struct Balance(long Captured, long Refunded, long Net)
    {
        public static Balance operator -(Balance left, Balance right) =>
            new(left.Captured - right.Captured, left.Refunded - right.Refunded, left.Net - right.Net);

        public override string ToString() => $"captured {Captured}, refunded {Refunded}, net {Net}";
    }
}
