using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Payments.FaultTests.Infrastructure;

namespace Payments.FaultTests;

/// <summary>
/// The worker is killed with SIGKILL while a webhook delivery is in flight (the receiver has the
/// request and has not answered). Started again over the same store, it sends that event again with
/// the same id once the dead worker's lease ends, and every event reaches the receiver: none is lost.
/// </summary>
[Collection(FaultTestGroup.Name)]
public sealed class WebhookDeliveryKillTests(PostgresFixture postgres)
{
    private const int Payments = 5;

    [Theory]
    [InlineData(StoreKind.Postgres)]
    [InlineData(StoreKind.Sqlite)]
    public async Task Kill_9_mid_delivery_loses_no_event_and_redelivers_it_with_the_same_id(StoreKind store)
    {
        await using var receiver = LoopbackReceiver.Start();
        await using var service = await ServiceUnderTest.CreateAsync(store, postgres);
        // Development: the receiver is http on loopback. Short timeout and lease so the redelivery comes within seconds.
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["Payments__Webhooks__RequestTimeoutSeconds"] = "5",
            ["Payments__Webhooks__LeaseSeconds"] = "6",
            ["Payments__Webhooks__PollIntervalMs"] = "100",
        };
        await service.StartAsync(environment);
        var client = service.ClientFor(service.MerchantA);
        using var endpoint = await client.PostAsync(new Uri("/v1/webhook_endpoints", UriKind.Relative), Json(
            $$"""{"url": "{{receiver.Url}}", "enabled_events": ["payment.created"]}"""));
        Assert.Equal(HttpStatusCode.Created, endpoint.StatusCode);
        var endpointId = JsonDocument.Parse(await endpoint.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        var payments = new List<string>();
        for (var i = 0; i < Payments; i++)
        {
            using var created = await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), Json(
                """{"amount": AMOUNT, "currency": "usd", "capture": false, "payment_method": {"card": {"number": "4242424242424242", "exp_month": 12, "exp_year": YEAR, "cvc": "123"}}}"""
                    .Replace("AMOUNT", (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                    .Replace("YEAR", (DateTime.UtcNow.Year + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            payments.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        }

        // The receiver holds the first request it gets; the worker dies while it waits for the answer.
        var inFlight = await receiver.FirstHeld.WaitAsync(TimeSpan.FromSeconds(60));
        await service.Running.KillHardAsync();
        receiver.AnswerEverything();

        await service.StartAsync(environment);
        await Poll.UntilAsync(() => Task.FromResult(receiver.Answered.Select(r => r.ObjectId).Distinct().Count() >= Payments), TimeSpan.FromSeconds(60));

        Assert.Equal(payments.Order(StringComparer.Ordinal), receiver.Answered.Select(r => r.ObjectId).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(receiver.Answered, r => r.EventId == inFlight.EventId && r.Body == inFlight.Body);
        Assert.All(receiver.Answered, r => Assert.Equal(JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString(), r.EventId));

        // The attempt log records a success for every event (the killed attempt left none). The worker
        // records an attempt after the receiver's answer arrives, so the last one may lag the receiver.
        var succeeded = 0;
        await Poll.UntilAsync(async () => (succeeded = await SucceededEventsAsync(client, endpointId!)) >= Payments, TimeSpan.FromSeconds(30));

        Assert.Equal(Payments, succeeded);
    }

    private static async Task<int> SucceededEventsAsync(HttpClient client, string endpointId)
    {
        using var attempts = await client.GetAsync(new Uri($"/v1/webhook_endpoints/{endpointId}/attempts?limit=100", UriKind.Relative));
        return JsonDocument.Parse(await attempts.Content.ReadAsStringAsync()).RootElement.GetProperty("data").EnumerateArray()
            .Where(a => a.GetProperty("succeeded").GetBoolean()).Select(a => a.GetProperty("event_id").GetString()).Distinct().Count();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private sealed record Delivery(string? EventId, string Body, string ObjectId);

    /// <summary>An HttpListener on a loopback port: holds the first request unanswered, answers 200 once told to.</summary>
    private sealed class LoopbackReceiver : IAsyncDisposable
    {
        private readonly HttpListener listener = new();
        private readonly TaskCompletionSource<Delivery> firstHeld = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<HttpListenerContext> held = [];
        private readonly Task loop;
        private volatile bool answerEverything;

        private LoopbackReceiver(int port)
        {
            Url = new Uri($"http://127.0.0.1:{port}/hook");
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            loop = Task.Run(LoopAsync);
        }

        public Uri Url { get; }

        public Task<Delivery> FirstHeld => firstHeld.Task;

        public ConcurrentQueue<Delivery> Answered { get; } = new();

        public static LoopbackReceiver Start() => new(FreePort.Next());

        public void AnswerEverything() => answerEverything = true;

        public async ValueTask DisposeAsync()
        {
            listener.Stop();
            listener.Close();
            try
            {
                await loop;
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task LoopAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var delivery = new Delivery(context.Request.Headers["Payments-Event-Id"], body,
                    JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("object").GetProperty("id").GetString()!);
                if (!answerEverything && firstHeld.TrySetResult(delivery))
                {
                    held.Add(context);
                    continue;
                }

                Answered.Enqueue(delivery);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
