using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Acquiring;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;
using Payments.Api.Tests.Payments;
using Payments.Api.Webhooks;
using Payments.TestSupport;

namespace Payments.Api.Tests.Storage;

/// <summary>
/// The SQLite writer's wait for the database's write lock while another process holds it (the migrate command, a
/// backup, an operator's sqlite3 shell): as long as <c>CommitTimeout</c> on the service's clock (a fake one here, moved
/// by the tests), stopped by the caller's cancellation, and holding no thread meanwhile. The other process is a connection of the test's own
/// on the same file in <c>BEGIN IMMEDIATE</c>: SQLite's locks do not tell the two apart.
/// </summary>
public sealed class SqliteWriteLockTests(SqliteApiFixture fixture) : ApiTestBase(fixture), IClassFixture<SqliteApiFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>How long work on a free thread may take before the test calls the thread held; far below the blocking waits it tells apart (SQLite's busy timeout, 5 s; Microsoft.Data.Sqlite's retries, 30 s).</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_batch_waits_for_the_lock_past_the_fixed_busy_timeouts_and_commits_once_the_other_process_lets_go()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var service = Service(clock, TimeSpan.FromMinutes(2));
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var sqlite = service.Services.GetRequiredService<SqliteConnectionFactory>();
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7800), Key("warm"))).Status);
        Task<Reply> blocker;
        Task<Reply>[] members;
        await using (await HoldWriteLockAsync(service.Services))
        {
            blocker = PostAsync(client, "/v1/payments", PaymentBody(7801), Key("blocker"));
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);
            members = Enumerable.Range(0, 4).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7802), Key($"member-{i}"))).ToArray();
            await WaitUntil(() => store.Queued == 4);
            // Past SQLite's busy_timeout (5 s) and Microsoft.Data.Sqlite's CommandTimeout (30 s), short of the commit
            // timeout. A bound shorter than 40 s on this clock would cancel the wait inside Advance, and answer 503.
            clock.Advance(TimeSpan.FromSeconds(40));
        }

        // The clock stays put from here: the writer's looks at the lock are not timed by it.
        var replies = await Task.WhenAll(members.Prepend(blocker)).WaitAsync(Deadline);

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(5, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount IN (7801, 7802)"));
    }

    [Fact]
    public async Task Batches_that_wait_past_the_commit_timeout_answer_503_at_the_timeout_void_their_approvals_and_writes_resume_after_release()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var commitTimeout = TimeSpan.FromSeconds(2);
        var acquirer = new RecordingAcquirer();
        await using var owner = Service(clock, commitTimeout);
        var service = owner.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<IAcquirer>(acquirer)));
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var sqlite = service.Services.GetRequiredService<SqliteConnectionFactory>();
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7900), Key("warm"))).Status);
        Reply blocked;
        Reply[] members;
        await using (await HoldWriteLockAsync(service.Services))
        {
            var blocker = PostAsync(client, "/v1/payments", PaymentBody(7901), Key("blocker"));
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);
            var queued = Enumerable.Range(0, 4).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7902), Key($"member-{i}"))).ToArray();
            await WaitUntil(() => store.Queued == 4);

            // The answers come while the lock is still held, without the clock moving further.
            clock.Advance(commitTimeout);
            blocked = await blocker.WaitAsync(Deadline);
            await WaitUntil(() => store.Queued == 0 && sqlite.WritersWaitingForLock == 1);
            clock.Advance(commitTimeout);
            members = await Task.WhenAll(queued).WaitAsync(Deadline);
        }

        Assert.All(members.Prepend(blocked), r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("store_unavailable", r.ErrorCode);
            Assert.Equal("1", r.Headers.RetryAfter?.ToString());
        });
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount IN (7901, 7902)"));
        Assert.Equal(5, acquirer.Voided.Count);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7903), Key("after"))).Status);
        // Every approval still held has its payment: the warm-up's and the one after the release.
        Assert.Equal(2, acquirer.Held.Count);
        Assert.Equal(2, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount IN (7900, 7903)"));
    }

    [Fact]
    public async Task Waiting_for_the_lock_holds_no_thread_so_other_work_on_the_only_thread_runs_meanwhile()
    {
        await using var scene = await UncapturedPaymentSceneAsync(TimeSpan.FromMinutes(1));
        var (service, sqlite, payments, paymentId) = (scene.Service, scene.Sqlite, scene.Payments, scene.PaymentId);
        using var thread = new SingleThread();
        Task<PaymentOutcome> capture;
        await using (await HoldWriteLockAsync(service.Services))
        {
            capture = thread.Run(() => payments.CaptureAsync(ApiFixture.MerchantAId, paymentId, null, null, CancellationToken.None));
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);

            // A wait that slept on its thread (SQLite's busy handler, Microsoft.Data.Sqlite's retries) would hold this read back for seconds.
            var read = await thread.Run(() => payments.GetAsync(ApiFixture.MerchantAId, paymentId, CancellationToken.None)).WaitAsync(Prompt);

            Assert.Equal(PaymentStatus.RequiresCapture, read!.Status);
            Assert.False(capture.IsCompleted);
        }

        var captured = Assert.IsType<PaymentOutcome.Changed>(await capture.WaitAsync(Deadline));
        Assert.Equal(PaymentStatus.Succeeded, captured.Payment.Status);
    }

    [Fact]
    public async Task A_capture_whose_request_is_cancelled_stops_waiting_for_the_lock_and_lets_the_next_write_in()
    {
        await using var scene = await UncapturedPaymentSceneAsync(TimeSpan.FromMinutes(1));
        var (service, client, sqlite, payments, paymentId) = (scene.Service, scene.Client, scene.Sqlite, scene.Payments, scene.PaymentId);
        using var request = new CancellationTokenSource();
        Task<PaymentOutcome> capture;
        await using (await HoldWriteLockAsync(service.Services))
        {
            capture = payments.CaptureAsync(ApiFixture.MerchantAId, paymentId, null, null, request.Token);
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);

            // The clock stands still: only the cancellation can end this wait.
            await request.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => capture.WaitAsync(Prompt));
            Assert.Equal(0, sqlite.WritersWaitingForLock);
            Assert.Equal(1, sqlite.WriteGate.CurrentCount);
        }

        Assert.Equal("requires_capture", (await GetAsync(client, $"/v1/payments/{paymentId}")).Json.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, $"/v1/payments/{paymentId}/capture", "{}")).Status);
    }

    [Fact]
    public async Task Every_write_gets_the_commit_timeout_to_begin_counted_from_its_start_the_wait_for_the_writer_gate_included()
    {
        var commitTimeout = TimeSpan.FromSeconds(3);
        await using var scene = await UncapturedPaymentSceneAsync(commitTimeout);
        var (clock, service, client, sqlite, paymentId) = (scene.Clock, scene.Service, scene.Client, scene.Sqlite, scene.PaymentId);
        var webhooks = service.Services.GetRequiredService<WebhookStore>();
        var endpoint = new WebhookEndpoint("we_" + Guid.NewGuid().ToString("N"), ApiFixture.MerchantAId, "https://example.com/hook", null,
            ["payment.captured"], "whsec_test", WebhookEndpoint.Enabled, clock.GetUtcNow().ToUnixTimeSeconds(), null);
        await using (await HoldWriteLockAsync(service.Services))
        {
            // A capture waits for the lock; the webhook store's write waits behind it for the writer gate.
            var capture = PostAsync(client, $"/v1/payments/{paymentId}/capture", "{}");
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);
            var webhookWrite = webhooks.CreateEndpointAsync(endpoint, CancellationToken.None);
            Assert.False(webhookWrite.IsCompleted);

            clock.Advance(commitTimeout);

            var refused = await capture.WaitAsync(Deadline);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.Equal("store_unavailable", refused.ErrorCode);
            Assert.Equal("1", refused.Headers.RetryAfter?.ToString());
            // Counted from its own start: had its bound begun only once it passed the gate, it would still be waiting.
            await Assert.ThrowsAsync<TimeoutException>(() => webhookWrite.WaitAsync(Deadline));
        }

        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM webhook_endpoints WHERE id = '{endpoint.Id}'"));
        await webhooks.CreateEndpointAsync(endpoint, CancellationToken.None);
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM webhook_endpoints WHERE id = '{endpoint.Id}'"));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, $"/v1/payments/{paymentId}/capture", "{}")).Status);
    }

    [Fact]
    public async Task Writes_outside_the_payment_store_wait_on_the_writer_too_and_give_up_at_the_commit_timeout()
    {
        var commitTimeout = TimeSpan.FromSeconds(3);
        await using var scene = await UncapturedPaymentSceneAsync(commitTimeout);
        var (clock, service, sqlite) = (scene.Clock, scene.Service, scene.Sqlite);
        var voids = service.Services.GetRequiredService<PendingVoidStore>();
        var sessions = service.Services.GetRequiredService<Api.Dashboard.DashboardSessions>();
        var merchants = service.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var authorization = "auth_" + Guid.NewGuid().ToString("N");
        var merchant = "acct_" + Guid.NewGuid().ToString("N")[..12];
        using var waiting = new GaugeReader(service.Services, "payments.store.writers_waiting_for_lock");
        await using (await HoldWriteLockAsync(service.Services))
        {
            // A write on a connection of its own would sleep in SQLite's busy handler and Microsoft.Data.Sqlite's retries,
            // on a thread and by the real clock, and never count as waiting on the writer.
            var record = voids.RecordAsync(authorization, "pay_lost", "commit_failed", 0, 0, CancellationToken.None);
            await WaitUntil(() => sqlite.WritersWaitingForLock == 1);
            var signIn = sessions.StartAsync(ApiFixture.MerchantAId, Api.Merchants.MerchantStore.HashKey(ApiFixture.MerchantAKey), TimeSpan.FromHours(1), CancellationToken.None);
            var key = merchants.CreateKeyAsync(merchant, CancellationToken.None);
            Assert.False(signIn.IsCompleted || key.IsCompleted);
            // One write at the lock, exported as a metric; the other two wait behind it at this process's gate.
            Assert.Equal(1, waiting.Read());

            clock.Advance(commitTimeout);

            await Assert.ThrowsAsync<TimeoutException>(() => record.WaitAsync(Deadline));
            await Assert.ThrowsAsync<TimeoutException>(() => signIn.WaitAsync(Deadline));
            await Assert.ThrowsAsync<TimeoutException>(() => key.WaitAsync(Deadline));
        }

        Assert.Equal(0, waiting.Read());
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM pending_voids WHERE authorization_id = '{authorization}'"));
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM merchants WHERE id = '{merchant}'"));
        await voids.RecordAsync(authorization, "pay_lost", "commit_failed", 0, 0, CancellationToken.None);
        var token = await sessions.StartAsync(ApiFixture.MerchantAId, Api.Merchants.MerchantStore.HashKey(ApiFixture.MerchantAKey), TimeSpan.FromHours(1), CancellationToken.None);
        await merchants.CreateKeyAsync(merchant, CancellationToken.None);
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM pending_voids WHERE authorization_id = '{authorization}'"));
        Assert.NotNull(await sessions.FindAsync(token, CancellationToken.None));
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM merchants WHERE id = '{merchant}'"));
    }

    /// <summary>A service on a fake clock with <paramref name="commitTimeout"/>, a client of merchant A, and one of its payments awaiting capture.</summary>
    private async Task<Scene> UncapturedPaymentSceneAsync(TimeSpan commitTimeout)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var service = Service(clock, commitTimeout);
        var client = service.CreateClient(ApiFixture.MerchantAKey);
        var scene = new Scene(clock, service, client);
        try
        {
            scene.PaymentId = await UncapturedPaymentAsync(client);
            return scene;
        }
        catch
        {
            await scene.DisposeAsync();
            throw;
        }
    }

    private sealed class Scene(FakeTimeProvider clock, PaymentsApiFactory service, HttpClient client) : IAsyncDisposable
    {
        public FakeTimeProvider Clock => clock;
        public PaymentsApiFactory Service => service;
        public HttpClient Client => client;
        public SqliteConnectionFactory Sqlite => service.Services.GetRequiredService<SqliteConnectionFactory>();
        public PaymentService Payments => service.Services.GetRequiredService<PaymentService>();
        public string PaymentId { get; set; } = "";

        public async ValueTask DisposeAsync()
        {
            client.Dispose();
            await service.DisposeAsync();
        }
    }

    /// <summary>
    /// A second service instance on the fixture's database with its own clock and <paramref name="commitTimeout"/>; no
    /// relay or webhook delivery, so only the test's requests write.
    /// </summary>
    private PaymentsApiFactory Service(FakeTimeProvider clock, TimeSpan commitTimeout)
    {
        var service = PaymentsApiFactory.SecondInstance(Fixture.Factory, new Dictionary<string, string?>
        {
            ["Payments:Batching:CommitTimeout"] = commitTimeout.ToString(),
            ["Payments:Batching:MaxConcurrentCommits"] = "1",
            ["Payments:TransactionLog:RelayEnabled"] = "false",
            ["Payments:Webhooks:DeliveryEnabled"] = "false",
        });
        service.Time = clock;
        return service;
    }

    private static async Task<string> UncapturedPaymentAsync(HttpClient client)
    {
        var created = await PostAsync(client, "/v1/payments", PaymentBody(7990, capture: false), Key("uncaptured"));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        return created.Json.GetProperty("id").GetString()!;
    }

    /// <summary>Another connection on the database file in <c>BEGIN IMMEDIATE</c>, holding SQLite's write lock until disposed.</summary>
    private static async Task<IAsyncDisposable> HoldWriteLockAsync(IServiceProvider services)
    {
        var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        await begin.ExecuteNonQueryAsync();
        return new HeldLock(connection);
    }

    private sealed class HeldLock(DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (connection)
            {
                await using var rollback = connection.CreateCommand();
                rollback.CommandText = "ROLLBACK";
                await rollback.ExecuteNonQueryAsync();
            }
        }
    }

    private static Task WaitUntil(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.EventuallyAsync(condition, Deadline, what);

    private static string Key(string what) => $"{what}-{Guid.NewGuid():N}";

    /// <summary>The latest value of one of the service's observable gauges (meter <c>Payments.Api</c>), as an exporter would read it.</summary>
    private sealed class GaugeReader : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener listener;
        private int? last;

        public GaugeReader(IServiceProvider services, string name)
        {
            listener = ServiceMeters.Listen(services, name);
            listener.SetMeasurementEventCallback<int>((_, value, _, _) => last = value);
            listener.Start();
        }

        public int? Read()
        {
            last = null;
            listener.RecordObservableInstruments();
            return last;
        }

        public void Dispose() => listener.Dispose();
    }

    /// <summary>One thread that runs, in order, everything started on it and every continuation that comes back to it.</summary>
    private sealed class SingleThread : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> queue = [];

        public SingleThread()
        {
            var thread = new Thread(() =>
            {
                SetSynchronizationContext(this);
                foreach (var (callback, state) in queue.GetConsumingEnumerable())
                {
                    callback(state);
                }
            })
            { IsBackground = true, Name = "the only thread" };
            thread.Start();
        }

        public override void Post(SendOrPostCallback d, object? state) => queue.Add((d, state));

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        public Task<T> Run<T>(Func<Task<T>> work)
        {
            var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(async _ =>
            {
                try
                {
                    done.SetResult(await work());
                }
                catch (Exception exception)
                {
                    done.SetException(exception);
                }
            }, null);
            return done.Task;
        }

        public void Dispose() => queue.CompleteAdding();
    }
}
