using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;
using Payments.Api.Webhooks;
using Payments.Webhooks;

namespace Payments.Api.Tests.Webhooks;

/// <summary>
/// Delivery by the worker from the outbox to real receivers on loopback, round by round
/// (<see cref="WebhookDispatcher.RunOnceAsync"/>) on a fake clock: signatures, order per payment,
/// retries with the same event id, timeouts, giving up after 3 days, disabling, expired leases.
/// The service runs in Development, where http to loopback is allowed.
/// </summary>
public abstract class WebhookDeliveryTests(StoreKind store)
{
    private const int RetryBaseSeconds = 30;
    private const int RetryMaxSeconds = 3600;

    [Fact]
    public async Task Signed_events_reach_a_real_receiver_in_order_and_are_the_events_of_the_feed()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => Task.FromResult(200));
        await using var service = await Service.StartAsync(store);
        var (endpointId, secret) = await service.CreateEndpointAsync(receiver.Url, "payment.created", "payment.captured", "refund.created");

        var payment = await service.CreatePaymentAsync(capture: false);
        Assert.Equal(HttpStatusCode.OK, (await ApiTestBase.PostAsync(service.Client, $"/v1/payments/{payment}/capture", null)).Status);
        Assert.Equal(HttpStatusCode.Created, (await ApiTestBase.PostAsync(service.Client, $"/v1/payments/{payment}/refunds", """{"amount": 100}""")).Status);
        var rounds = await service.DeliverUntilQuietAsync();

        // One event of a payment at a time: each round sends the next one.
        Assert.Equal([1, 1, 1], rounds);
        var received = receiver.Received.ToList();
        Assert.Equal(["payment.created", "payment.captured", "refund.created"], received.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()));
        foreach (var delivery in received)
        {
            Assert.Equal(WebhookVerification.Valid, WebhookSignature.Verify(delivery.Body, delivery.Signature, secret, WebhookSignature.DefaultTolerance, service.Time.GetUtcNow()));
            Assert.Equal(WebhookVerification.SignatureMismatch, WebhookSignature.Verify(delivery.Body, delivery.Signature, "whsec_other", WebhookSignature.DefaultTolerance, service.Time.GetUtcNow()));
            var id = JsonDocument.Parse(delivery.Body).RootElement.GetProperty("id").GetString();
            Assert.Equal(id, delivery.EventId);
            Assert.Equal("application/json", delivery.ContentType?.Split(';')[0]);
            // The body is the event exactly as GET /v1/events/{id} serves it.
            Assert.Equal((await ApiTestBase.GetAsync(service.Client, $"/v1/events/{id}")).Body, delivery.Body);
        }

        var attempts = await service.AttemptsAsync(endpointId);
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.True(a.GetProperty("succeeded").GetBoolean()));
        Assert.All(attempts, a => Assert.Equal(200, a.GetProperty("status_code").GetInt32()));
        Assert.Equal(received.Select(r => r.EventId).Reverse(), attempts.Select(a => a.GetProperty("event_id").GetString()));
    }

    [Fact]
    public async Task A_receiver_that_answers_500_then_200_gets_the_same_event_again_before_the_next_one()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, n) => Task.FromResult(n == 1 ? 500 : 200));
        await using var service = await Service.StartAsync(store);
        var (endpointId, _) = await service.CreateEndpointAsync(receiver.Url, "payment.created", "payment.captured");
        await service.CreatePaymentAsync(capture: true);

        Assert.Equal(1, await service.Dispatcher.RunOnceAsync(CancellationToken.None));
        // Neither the failed event (its retry is not due) nor the payment's next one (order) goes now.
        Assert.Equal(0, await service.Dispatcher.RunOnceAsync(CancellationToken.None));
        service.Time.Advance(TimeSpan.FromSeconds(RetryBaseSeconds + 1));
        Assert.Equal([1, 1], await service.DeliverUntilQuietAsync());

        var received = receiver.Received.Select(r => (r.EventId, Type: JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString())).ToList();
        Assert.Equal(["payment.created", "payment.created", "payment.captured"], received.Select(r => r.Type));
        Assert.Equal(received[0].EventId, received[1].EventId);
        var attempts = await service.AttemptsAsync(endpointId);
        Assert.Equal([200, 200, 500], attempts.Select(a => a.GetProperty("status_code").GetInt32()));
        Assert.Equal("HTTP 500 Internal Server Error", attempts[2].GetProperty("error").GetString());
        Assert.False(attempts[2].GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_is_a_failed_attempt_without_a_status()
    {
        using var release = new CancellationTokenSource();
        await using var receiver = await WebhookReceiver.StartAsync(async (_, _) =>
        {
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return 200;
        });
        await using var service = await Service.StartAsync(store, new() { ["Payments:Webhooks:RequestTimeoutSeconds"] = "1", ["Payments:Webhooks:LeaseSeconds"] = "5" });
        var (endpointId, _) = await service.CreateEndpointAsync(receiver.Url, "payment.created");
        await service.CreatePaymentAsync(capture: false);

        Assert.Equal(1, await service.Dispatcher.RunOnceAsync(CancellationToken.None));
        await release.CancelAsync();

        var attempt = Assert.Single(await service.AttemptsAsync(endpointId));
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("status_code").ValueKind);
        Assert.Equal("no response within 1 s", attempt.GetProperty("error").GetString());
        Assert.InRange(attempt.GetProperty("duration_ms").GetInt64(), 900, 10_000);
    }

    [Fact]
    public async Task A_slow_endpoint_does_not_hold_up_another()
    {
        using var release = new CancellationTokenSource();
        var fastGotIt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowGotIt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slow = await WebhookReceiver.StartAsync(async (_, _) =>
        {
            slowGotIt.TrySetResult();
            await Task.Delay(Timeout.Infinite, release.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return 200;
        });
        await using var fast = await WebhookReceiver.StartAsync((_, _) =>
        {
            fastGotIt.TrySetResult();
            return Task.FromResult(200);
        });
        await using var service = await Service.StartAsync(store, new() { ["Payments:Webhooks:RequestTimeoutSeconds"] = "30", ["Payments:Webhooks:LeaseSeconds"] = "60" });
        await service.CreateEndpointAsync(slow.Url, "payment.created");
        await service.CreateEndpointAsync(fast.Url, "payment.created");
        await service.CreatePaymentAsync(capture: false);

        await service.Dispatcher.FanOutAsync(CancellationToken.None);
        var sends = await service.Dispatcher.StartDueDeliveriesAsync(CancellationToken.None);

        Assert.Equal(2, sends.Count);
        await Task.WhenAll(fastGotIt.Task, slowGotIt.Task).WaitAsync(TimeSpan.FromSeconds(10));
        // The fast endpoint's attempt is recorded while the slow one is still waiting for its answer.
        await Task.WhenAny(sends).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(1, sends.Count(send => !send.IsCompleted));
        Assert.Single(fast.Received);
        await release.CancelAsync();
        await Task.WhenAll(sends);
    }

    [Fact]
    public async Task A_delivery_is_given_up_after_three_days_and_an_endpoint_that_keeps_failing_is_disabled_with_an_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => Task.FromResult(503));
        await using var service = await Service.StartAsync(store, new() { ["Payments:Webhooks:DisableAfterFailingHours"] = "100" });
        var (endpointId, _) = await service.CreateEndpointAsync(receiver.Url, "payment.created");
        await service.CreatePaymentAsync(capture: false);
        var start = service.Time.GetUtcNow();

        // Retries: each wait at most the cap, until 72 hours after the event; then none.
        var attemptTimes = new List<DateTimeOffset>();
        for (var i = 0; i < 600 && (attemptTimes.Count == 0 || service.Time.GetUtcNow() - attemptTimes[^1] < TimeSpan.FromHours(2)); i++)
        {
            if (await service.Dispatcher.RunOnceAsync(CancellationToken.None) > 0)
            {
                attemptTimes.Add(service.Time.GetUtcNow());
            }

            service.Time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.InRange(attemptTimes[^1] - start, TimeSpan.FromHours(72), TimeSpan.FromHours(73.2));
        Assert.All(attemptTimes.Zip(attemptTimes.Skip(1)), pair => Assert.True(pair.Second - pair.First <= TimeSpan.FromSeconds(RetryMaxSeconds) + TimeSpan.FromMinutes(10)));
        Assert.True(attemptTimes.Count > 10, $"{attemptTimes.Count} attempts");
        Assert.Equal("enabled", (await ApiTestBase.GetAsync(service.Client, $"/v1/webhook_endpoints/{endpointId}")).Json.GetProperty("status").GetString());

        // Another event keeps failing until the run of failures spans 100 hours: then the endpoint is disabled.
        await service.CreatePaymentAsync(capture: false);
        for (var i = 0; i < 400 && (await ApiTestBase.GetAsync(service.Client, $"/v1/webhook_endpoints/{endpointId}")).Json.GetProperty("status").GetString() == "enabled"; i++)
        {
            await service.Dispatcher.RunOnceAsync(CancellationToken.None);
            service.Time.Advance(TimeSpan.FromMinutes(15));
        }

        Assert.Equal("disabled", (await ApiTestBase.GetAsync(service.Client, $"/v1/webhook_endpoints/{endpointId}")).Json.GetProperty("status").GetString());
        Assert.InRange(service.Time.GetUtcNow() - start, TimeSpan.FromHours(100), TimeSpan.FromHours(102));
        var events = (await ApiTestBase.GetAsync(service.Client, "/v1/events?type=webhook_endpoint.disabled")).Json.GetProperty("data").EnumerateArray().ToList();
        var disabled = Assert.Single(events);
        Assert.Equal(endpointId, disabled.GetProperty("data").GetProperty("object").GetProperty("id").GetString());
        Assert.Equal("disabled", disabled.GetProperty("data").GetProperty("object").GetProperty("status").GetString());
        Assert.False(disabled.GetProperty("data").GetProperty("object").TryGetProperty("secret", out _));

        // Nothing is sent to a disabled endpoint.
        var before = receiver.Received.Count;
        await service.CreatePaymentAsync(capture: false);
        service.Time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await service.Dispatcher.RunOnceAsync(CancellationToken.None));
        Assert.Equal(before, receiver.Received.Count);
    }

    [Fact]
    public async Task A_delivery_whose_worker_died_is_sent_again_with_the_same_event_id_when_its_lease_ends()
    {
        await using var receiver = await WebhookReceiver.StartAsync((_, _) => Task.FromResult(200));
        await using var service = await Service.StartAsync(store);
        await service.CreateEndpointAsync(receiver.Url, "payment.created");
        await service.CreatePaymentAsync(capture: false);
        await service.Dispatcher.FanOutAsync(CancellationToken.None);
        var now = service.Time.GetUtcNow().ToUnixTimeMilliseconds();

        // A worker claims it and dies before sending.
        var lost = Assert.Single(await service.Services.GetRequiredService<WebhookStore>().ClaimAsync(now, now + 5_000, "wkr_dead", 10, 4, CancellationToken.None));
        Assert.Equal(0, await service.Dispatcher.RunOnceAsync(CancellationToken.None));
        service.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await service.Dispatcher.RunOnceAsync(CancellationToken.None));

        Assert.Equal(lost.EventId, Assert.Single(receiver.Received).EventId);
    }

    /// <summary>The service in Development on a fresh store, one merchant, delivery driven by the test on a fake clock.</summary>
    private sealed class Service : IAsyncDisposable
    {
        private PaymentsApiFactory factory = null!;
        private WebApplicationFactory<Program> app = null!;

        public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

        public HttpClient Client { get; private set; } = null!;

        public IServiceProvider Services => app.Services;

        public WebhookDispatcher Dispatcher => Services.GetRequiredService<WebhookDispatcher>();

        public static async Task<Service> StartAsync(StoreKind store, Dictionary<string, string?>? extra = null)
        {
            var settings = ApiFixture.MerchantAOnly();
            settings["Payments:Webhooks:DeliveryEnabled"] = "false";
            // The request timeout runs on the real clock, not the fake one: a loopback answer can take
            // over a second on a busy test machine, so only the timeout test asks for 1 s.
            settings["Payments:Webhooks:RequestTimeoutSeconds"] = "10";
            settings["Payments:Webhooks:LeaseSeconds"] = "30";
            settings["Payments:Webhooks:RetryBaseDelaySeconds"] = RetryBaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Payments:Webhooks:RetryMaxDelaySeconds"] = RetryMaxSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            settings["Payments:Webhooks:DisableAfterConsecutiveFailures"] = "3";
            foreach (var (key, value) in extra ?? [])
            {
                settings[key] = value;
            }

            var service = new Service();
            service.factory = await PaymentsApiFactory.CreateAsync(store, settings);
            service.factory.Environment = "Development";
            service.app = service.factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(service.Time)));
            service.Client = service.app.CreateClient(ApiFixture.MerchantAKey);
            return service;
        }

        public async Task<(string Id, string Secret)> CreateEndpointAsync(Uri url, params string[] events)
        {
            var reply = await ApiTestBase.PostAsync(Client, "/v1/webhook_endpoints",
                JsonSerializer.Serialize(new Dictionary<string, object> { ["url"] = url.ToString(), ["enabled_events"] = events }));
            Assert.Equal(HttpStatusCode.Created, reply.Status);
            return (reply.Json.GetProperty("id").GetString()!, reply.Json.GetProperty("secret").GetString()!);
        }

        public async Task<string> CreatePaymentAsync(bool capture)
        {
            var reply = await ApiTestBase.PostAsync(Client, "/v1/payments", ApiTestBase.PaymentBody(capture: capture));
            Assert.Equal(HttpStatusCode.Created, reply.Status);
            return reply.Json.GetProperty("id").GetString()!;
        }

        /// <summary>Rounds until one sends nothing; the number of attempts of each round that sent any.</summary>
        public async Task<List<int>> DeliverUntilQuietAsync()
        {
            var rounds = new List<int>();
            while (rounds.Count < 50 && await Dispatcher.RunOnceAsync(CancellationToken.None) is var sent and > 0)
            {
                rounds.Add(sent);
            }

            return rounds;
        }

        public async Task<List<JsonElement>> AttemptsAsync(string endpointId)
        {
            var reply = await ApiTestBase.GetAsync(Client, $"/v1/webhook_endpoints/{endpointId}/attempts?limit=100");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            return reply.Json.GetProperty("data").EnumerateArray().ToList();
        }

        public async ValueTask DisposeAsync()
        {
            Client?.Dispose();
            await app.DisposeAsync();
            await factory.DisposeAsync();
        }
    }
}

public sealed class WebhookDeliveryTestsSqlite() : WebhookDeliveryTests(StoreKind.Sqlite);

public sealed class WebhookDeliveryTestsPostgres() : WebhookDeliveryTests(StoreKind.Postgres);
