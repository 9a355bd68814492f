using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Acquiring;
using Payments.Api.Http;
using Payments.Api.Idempotency;
using Payments.Api.Payments;
using Payments.Api.Storage;
using Payments.Api.Storage.Batching;
using Payments.Api.Tests.Infrastructure;
using Payments.TestSupport;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// New payments committed in batches by each store: one transaction for everything that arrived
/// during the previous commit, an idempotency key still kept to one payment inside a batch, a
/// failing member never failing its batch-mates. A batch is formed for real: the test holds the
/// database's write lock so the store's commit waits, queues the members behind it, and lets go.
/// </summary>
public abstract class GroupCommitTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    protected const string RefusedDescription = "the database refuses this payment";
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Forty_concurrent_creates_with_one_key_in_one_batch_make_exactly_one_payment()
    {
        await using var service = Service();
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        var key = "same-batch-" + Guid.NewGuid().ToString("N");
        var idempotency = new IdempotencyRequest(key, "POST", "/v1/payments", new string('a', 64));

        Task<PaymentOutcome>[] attempts;
        await using (await HoldWriteLockAsync(service.Services))
        {
            var blocker = store.CreateAsync(ApiFixture.MerchantAId, null, _ => Task.FromResult(Record(7001)), CancellationToken.None);
            await WaitUntilCommitIsBlockedAsync(service.Services);
            // Every attempt passes the key look-up (nothing is recorded yet) before any is queued.
            var looked = 0;
            var allLooked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            attempts = Enumerable.Range(0, 40).Select(_ => Task.Run(() => store.CreateAsync(ApiFixture.MerchantAId, idempotency, async _ =>
            {
                if (Interlocked.Increment(ref looked) == 40)
                {
                    allLooked.SetResult();
                }

                await allLooked.Task;
                return Record(7002);
            }, CancellationToken.None))).ToArray();
            await WaitUntil(() => store.Queued == 40 || blocker.IsCompleted);
            Assert.False(blocker.IsCompleted, blocker.Exception?.ToString());
            attempts = [.. attempts, blocker];
        }

        var outcomes = await Task.WhenAll(attempts).WaitAsync(Deadline);

        Assert.Equal(41, outcomes.OfType<PaymentOutcome.Created>().Count() + outcomes.OfType<PaymentOutcome.IdempotencyKeyInUse>().Count());
        Assert.Equal(2, outcomes.OfType<PaymentOutcome.Created>().Count());
        Assert.Equal(39, outcomes.OfType<PaymentOutcome.IdempotencyKeyInUse>().Count());
        Assert.Contains(40, batches.Sizes);
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM payments WHERE amount = 7002 AND merchant_id = '{ApiFixture.MerchantAId}'"));
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{key}'"));
        var winner = outcomes.OfType<PaymentOutcome.Created>().Single(c => c.Payment.Amount == 7002);
        var replay = await store.CreateAsync(ApiFixture.MerchantAId, idempotency, _ => throw new InvalidOperationException("a recorded key must not authorize again"), CancellationToken.None);
        Assert.Contains(winner.Payment.Id, Assert.IsType<PaymentOutcome.Replayed>(replay).Response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_member_refused_by_the_database_fails_alone_and_its_batch_mates_commit()
    {
        var acquirer = new RecordingAcquirer();
        await using var owner = Service();
        var service = WithAcquirer(owner, acquirer);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        using var reruns = Reruns(service.Services);
        await StoreSql.ExecuteAsync(service.Services, RefuseTrigger());
        try
        {
            // The first request of a new service instance pays for its start-up; not inside the lock's window below.
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7100), "warm-" + Guid.NewGuid().ToString("N"))).Status);
            Task<Reply> blocker;
            Task<Reply>[] members;
            await using (await HoldWriteLockAsync(service.Services))
            {
                blocker = PostAsync(client, "/v1/payments", PaymentBody(7101), "blocker-" + Guid.NewGuid().ToString("N"));
                await WaitUntilCommitIsBlockedAsync(service.Services);
                members = Enumerable.Range(0, 16).Select(i => PostAsync(client, "/v1/payments",
                    PaymentBody(7102, extra: i == 9 ? $$""", "description": "{{RefusedDescription}}" """ : null), $"member-{i}-{Guid.NewGuid():N}")).ToArray();
                await WaitUntil(() => store.Queued == 16);
            }

            Assert.Equal(HttpStatusCode.Created, (await blocker.WaitAsync(Deadline)).Status);
            var replies = await Task.WhenAll(members).WaitAsync(Deadline);

            Assert.Contains(16, batches.Sizes);
            Assert.Equal(15, replies.Count(r => r.Status == HttpStatusCode.Created));
            Assert.Equal(HttpStatusCode.InternalServerError, replies[9].Status);
            Assert.Equal(15, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount = 7102"));
            Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM payments WHERE description = '{RefusedDescription}'"));
            // The refused member's approval is voided; every committed payment keeps its own (warm-up, blocker, 15 members).
            Assert.Single(acquirer.Voided);
            Assert.Equal(17, acquirer.Held.Count);
            Assert.Equal(RerunsToFindOneRefusedMember, reruns.Values);
        }
        finally
        {
            await StoreSql.ExecuteAsync(service.Services, DropRefuseTrigger());
        }
    }

    [Fact]
    public async Task An_idle_service_commits_each_payment_alone_without_waiting()
    {
        await using var service = Service();
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        using var batches = new BatchSizes(service.Services);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7201), $"idle-{i}-{Guid.NewGuid():N}")).Status);
        }

        Assert.Equal([1, 1, 1, 1, 1], batches.Sizes);
    }

    [Fact]
    public void Batch_bounds_out_of_range_in_configuration_are_a_setting_named_by_its_key()
    {
        // What start-up throws; StartupFailureTests runs the service with it and reads the line and the exit code.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("Payments:Batching:MaxBatchSize", "0")])
            .Build();

        var refused = Assert.Throws<global::Payments.Api.Hosting.InvalidSettingException>(
            () => BatchingOptions.Configured(BatchingOptions.ForSqlite(), configuration).ValidateSettings());
        Assert.Equal("Payments:Batching:MaxBatchSize is 0, but a batch holds at least one item", refused.Message);
    }

    [Fact]
    public async Task A_batch_size_of_one_commits_every_payment_alone_even_under_concurrency()
    {
        await using var service = Service(new Dictionary<string, string?> { ["Payments:Batching:MaxBatchSize"] = "1" });
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        Task<Reply>[] replies;
        await using (await HoldWriteLockAsync(service.Services))
        {
            replies = Enumerable.Range(0, 6).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7501), $"alone-{i}-{Guid.NewGuid():N}")).ToArray();
            await WaitUntil(() => store.Queued == 5);
        }

        Assert.All(await Task.WhenAll(replies).WaitAsync(Deadline), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal([1, 1, 1, 1, 1, 1], batches.Sizes);
    }

    /// <summary>A service of its own on the fixture's database: one commit at a time (so the test controls batches).</summary>
    protected PaymentsApiFactory Service(IDictionary<string, string?>? settings = null)
    {
        var merged = new Dictionary<string, string?> { ["Payments:Batching:MaxConcurrentCommits"] = "1" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            merged[key] = value;
        }

        return PaymentsApiFactory.SecondInstance(Fixture.Factory, merged);
    }

    /// <summary>The same service with <paramref name="acquirer"/>; disposed with <paramref name="service"/>.</summary>
    protected static WebApplicationFactory<Program> WithAcquirer(PaymentsApiFactory service, IAcquirer acquirer) =>
        service.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(acquirer)));

    /// <summary>Holds the lock a payment commit needs (PostgreSQL: the outbox table; SQLite: the database's write lock) until disposed.</summary>
    protected abstract Task<IAsyncDisposable> HoldWriteLockAsync(IServiceProvider services);

    /// <summary>Waits until the store's writer is inside a commit that waits for the held lock.</summary>
    protected abstract Task WaitUntilCommitIsBlockedAsync(IServiceProvider services);

    protected abstract string RefuseTrigger();

    /// <summary>Why one service's batches ran again, in order (<c>payments.store.batch_reruns</c>).</summary>
    protected static CounterTags Reruns(IServiceProvider services) => new(services, "payments.store.batch_reruns", "reason");

    /// <summary>Why a batch with one member the database refuses runs again, in order (<c>payments.store.batch_reruns</c>).</summary>
    protected abstract IReadOnlyList<string> RerunsToFindOneRefusedMember { get; }

    protected abstract string DropRefuseTrigger();

    protected static Task WaitUntil(Func<bool> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.EventuallyAsync(condition, Deadline, what);

    protected static Task WaitUntil(Func<Task<bool>> condition, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(condition))] string? what = null) =>
        Poll.EventuallyAsync(condition, Deadline, what);

    protected static NewPaymentRecord Record(long amount)
    {
        var payment = new Payment(Ids.New("pay_"), PaymentStatus.Succeeded, amount, 0, amount, 0, "usd", new StoredCard("visa", "4242", 12, 2030),
            null, new Dictionary<string, string>(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null, null, null);
        var body = PaymentService.Snapshot(payment);
        var outcome = new PaymentOutcome.Created(payment, body);
        return new NewPaymentRecord(payment, "fingerprint", new LedgerEntry(LedgerMovement.AuthorizeAndCapture, amount),
            new OutboxEvent("payment.captured", payment.Id, body.Text), outcome, PaymentResponses.ForReplay(outcome));
    }

    /// <summary>The connection and open transaction that hold a lock; disposing ends both.</summary>
    protected sealed class HeldLock(DbConnection connection) : IAsyncDisposable
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

    /// <summary>Sizes of the batches one service committed, from its <c>payments.store.batch_size</c> histogram.</summary>
    protected sealed class BatchSizes : IDisposable
    {
        private readonly MeterListener listener;
        private readonly ConcurrentQueue<int> sizes = new();

        /// <param name="instrument">The commit batch sizes, unless another histogram of sizes is named.</param>
        public BatchSizes(IServiceProvider services, string instrument = "payments.store.batch_size")
        {
            listener = ServiceMeters.Listen(services, instrument);
            listener.SetMeasurementEventCallback<int>((_, size, _, _) => sizes.Enqueue(size));
            listener.Start();
        }

        public IReadOnlyList<int> Sizes => [.. sizes];

        public void Dispose() => listener.Dispose();
    }
}

public sealed class GroupCommitTestsSqlite(SqliteApiFixture fixture) : GroupCommitTests(fixture), IClassFixture<SqliteApiFixture>
{
    protected override async Task<IAsyncDisposable> HoldWriteLockAsync(IServiceProvider services)
    {
        var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        await begin.ExecuteNonQueryAsync();
        return new HeldLock(connection);
    }

    protected override Task WaitUntilCommitIsBlockedAsync(IServiceProvider services) =>
        WaitUntil(() => services.GetRequiredService<SqliteConnectionFactory>().WritersWaitingForLock == 1);

    [Fact]
    public async Task The_writer_fsyncs_every_commit()
    {
        // synchronous=FULL (2): a 201 survives an OS crash or power loss, not only a process crash.
        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous";

        Assert.Equal(2L, Convert.ToInt64(await pragma.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    protected override string RefuseTrigger() => $"""
        CREATE TRIGGER refuse_payment BEFORE INSERT ON payments
          WHEN NEW.description = '{RefusedDescription}' BEGIN SELECT RAISE(ABORT, 'refused by a check'); END;
        """;

    protected override string DropRefuseTrigger() => "DROP TRIGGER refuse_payment;";

    // SQLite sends every row on its own: the failing statement names its member at once.
    protected override IReadOnlyList<string> RerunsToFindOneRefusedMember => ["member_refused"];
}

public sealed class GroupCommitTestsPostgres(PostgresApiFixture fixture) : GroupCommitTests(fixture), IClassFixture<PostgresApiFixture>
{
    [Fact]
    public async Task A_commit_whose_connection_dies_fails_exactly_its_members_with_503_and_voids_their_approvals()
    {
        var acquirer = new RecordingAcquirer();
        await using var owner = Service();
        var service = WithAcquirer(owner, acquirer);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        Task<Reply> blocker;
        Task<Reply>[] doomed, committed;
        await using (await HoldWriteLockAsync(service.Services))
        {
            blocker = PostAsync(client, "/v1/payments", PaymentBody(7301), "first-" + Guid.NewGuid().ToString("N"));
            var first = await BlockedCommitAsync(service.Services, except: 0);
            doomed = Enumerable.Range(0, 5).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7302), $"doomed-{i}-{Guid.NewGuid():N}")).ToArray();
            await WaitUntil(() => store.Queued == 5);
            // The first commit's session dies: only the blocker was in it. The next batch (the five) starts and waits.
            await TerminateAsync(service.Services, first);
            var second = await BlockedCommitAsync(service.Services, except: first);
            Assert.Equal(0, store.Queued);
            committed = Enumerable.Range(0, 5).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7303), $"kept-{i}-{Guid.NewGuid():N}")).ToArray();
            await WaitUntil(() => store.Queued == 5);
            await TerminateAsync(service.Services, second);
        }

        var failed = await Task.WhenAll(doomed.Prepend(blocker)).WaitAsync(Deadline);
        var kept = await Task.WhenAll(committed).WaitAsync(Deadline);

        Assert.All(failed, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.Status);
            Assert.Equal("store_unavailable", r.ErrorCode);
            Assert.Equal("1", r.Headers.RetryAfter?.ToString());
        });
        Assert.All(kept, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount IN (7301, 7302)"));
        Assert.Equal(5, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount = 7303"));
        Assert.Equal(6, acquirer.Voided.Count);
        Assert.Equal(5, acquirer.Held.Count);
    }

    [Fact]
    public async Task A_commit_slower_than_the_commit_timeout_fails_its_members_with_503_and_the_next_batch_commits()
    {
        var acquirer = new RecordingAcquirer();
        var commitTimeout = TimeSpan.FromMilliseconds(500);
        await using var owner = Service(new Dictionary<string, string?> { ["Payments:Batching:CommitTimeout"] = commitTimeout.ToString() });
        // The commit timeout runs on the service's clock: the test moves it past the timeout while the commit waits for the
        // lock, and the commit after it (a new server connection included) cannot hit it however slow the machine.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        owner.Time = clock;
        var service = WithAcquirer(owner, acquirer);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        Reply slow;
        await using (await HoldWriteLockAsync(service.Services))
        {
            var sent = PostAsync(client, "/v1/payments", PaymentBody(7401), "slow-" + Guid.NewGuid().ToString("N"));
            await WaitUntilCommitIsBlockedAsync(service.Services);
            clock.Advance(commitTimeout);
            slow = await sent.WaitAsync(Deadline);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, slow.Status);
        Assert.Equal("store_unavailable", slow.ErrorCode);
        Assert.Single(acquirer.Voided);
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, "/v1/payments", PaymentBody(7402), "after-" + Guid.NewGuid().ToString("N"))).Status);
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount = 7401"));
    }

    [Fact]
    public async Task A_key_recorded_by_another_process_after_the_look_up_refuses_only_its_member_of_the_batch()
    {
        await using var service = Service();
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        using var reruns = Reruns(service.Services);
        var keys = Enumerable.Range(0, 16).Select(i => $"raced-{i}-{Guid.NewGuid():N}").ToArray();
        Task<PaymentOutcome> blocker;
        Task<PaymentOutcome>[] members;
        await using (await HoldWriteLockAsync(service.Services))
        {
            blocker = store.CreateAsync(ApiFixture.MerchantAId, null, _ => Task.FromResult(Record(7601)), CancellationToken.None);
            await WaitUntilCommitIsBlockedAsync(service.Services);
            members = keys.Select(key => Task.Run(() => store.CreateAsync(ApiFixture.MerchantAId,
                new IdempotencyRequest(key, "POST", "/v1/payments", new string('b', 64)), _ => Task.FromResult(Record(7602)), CancellationToken.None))).ToArray();
            await WaitUntil(() => store.Queued == 16);
            // Every member has looked its key up; now another process records member 5's key first.
            await StoreSql.ExecuteAsync(service.Services,
                "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_method, request_path, request_hash, response_status, response_body) " +
                $"VALUES ('{ApiFixture.MerchantAId}', '{keys[5]}', 'POST', '/v1/payments', 'elsewhere', 201, '{{}}')");
        }

        Assert.IsType<PaymentOutcome.Created>(await blocker.WaitAsync(Deadline));
        var outcomes = await Task.WhenAll(members).WaitAsync(Deadline);

        Assert.Contains(16, batches.Sizes);
        Assert.Equal(["combined_statement_refused", "member_refused"], reruns.Values);
        Assert.IsType<PaymentOutcome.IdempotencyKeyInUse>(outcomes[5]);
        Assert.All(outcomes.Where((_, i) => i != 5), outcome => Assert.IsType<PaymentOutcome.Created>(outcome));
        Assert.Equal(15, await StoreSql.ScalarAsync(service.Services, "SELECT COUNT(*) FROM payments WHERE amount = 7602"));
        Assert.Equal(15, await StoreSql.ScalarAsync(service.Services,
            "SELECT COUNT(*) FROM ledger_movements l JOIN payments p ON p.id = l.payment_id WHERE p.amount = 7602"));
        Assert.Equal(15, await StoreSql.ScalarAsync(service.Services,
            "SELECT COUNT(*) FROM transaction_log t JOIN payments p ON p.id = t.object_id WHERE p.amount = 7602"));
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM idempotency_keys WHERE idempotency_key = '{keys[5]}' AND request_hash = 'elsewhere'"));
    }

    [Fact]
    public async Task A_batch_stores_for_each_payment_the_rows_a_payment_committed_alone_stores()
    {
        await using var service = Service();
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        const string Extra = """, "description": "one of a batch", "metadata": {"order": "o-1"}""";
        var alone = await PostAsync(client, "/v1/payments", PaymentBody(7701, capture: false, extra: Extra), "alone-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(HttpStatusCode.Created, alone.Status);
        Task<Reply> blocker;
        Task<Reply>[] members;
        await using (await HoldWriteLockAsync(service.Services))
        {
            blocker = PostAsync(client, "/v1/payments", PaymentBody(7702), "blocker-" + Guid.NewGuid().ToString("N"));
            await WaitUntilCommitIsBlockedAsync(service.Services);
            members = Enumerable.Range(0, 8).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7701, capture: false, extra: Extra), $"batched-{i}-{Guid.NewGuid():N}")).ToArray();
            await WaitUntil(() => store.Queued == 8);
        }

        Assert.Equal(HttpStatusCode.Created, (await blocker.WaitAsync(Deadline)).Status);
        var replies = await Task.WhenAll(members).WaitAsync(Deadline);
        Assert.Equal([1, 1, 8], batches.Sizes);
        var single = IdOf(alone);
        foreach (var reply in replies)
        {
            Assert.Equal(HttpStatusCode.Created, reply.Status);
            var batched = IdOf(reply);
            Assert.Equal(0, await DifferentRowsAsync(service.Services,
                "SELECT merchant_id, status, amount, amount_capturable, amount_captured, amount_refunded, currency, card_brand, card_last4, " +
                "card_exp_month, card_exp_year, card_fingerprint, description, metadata, failure_code, decline_code, failure_message FROM payments WHERE id = '{0}'",
                single, batched));
            Assert.Equal(0, await DifferentRowsAsync(service.Services,
                "SELECT merchant_id, refund_id, movement, debit_account, credit_account, currency, amount FROM ledger_movements WHERE payment_id = '{0}'", single, batched));
            Assert.Equal(0, await DifferentRowsAsync(service.Services,
                "SELECT merchant_id, event_type FROM transaction_log WHERE object_id = '{0}'", single, batched));
            Assert.Equal(0, await DifferentRowsAsync(service.Services,
                "SELECT k.merchant_id, k.request_method, k.request_path, k.response_status, k.response_body FROM idempotency_keys k " +
                "JOIN transaction_log t ON t.event_id = k.response_event_id WHERE t.object_id = '{0}'", single, batched));
            Assert.Equal(1, await StoreSql.ScalarAsync(service.Services,
                $"SELECT COUNT(*) FROM idempotency_keys k JOIN transaction_log t ON t.event_id = k.response_event_id WHERE t.object_id = '{batched}'"));
        }

        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(*) FROM ledger_movements WHERE payment_id = '{single}'"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_batch_writes_each_table_in_one_statement_in_the_members_order_unless_combining_is_off(bool combine)
    {
        await using var service = Service(new Dictionary<string, string?> { ["Payments:Batching:CombineInserts"] = combine ? "true" : "false" });
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (SqlPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var batches = new BatchSizes(service.Services);
        Task<Reply> blocker;
        Task<Reply>[] members;
        await using (await HoldWriteLockAsync(service.Services))
        {
            blocker = PostAsync(client, "/v1/payments", PaymentBody(7801), "blocker-" + Guid.NewGuid().ToString("N"));
            await WaitUntilCommitIsBlockedAsync(service.Services);
            // Captured and authorized-only payments mixed: the journal gets rows from two different inserts.
            members = Enumerable.Range(0, 8).Select(i => PostAsync(client, "/v1/payments", PaymentBody(7802, capture: i % 3 != 0), $"combined-{i}-{Guid.NewGuid():N}")).ToArray();
            await WaitUntil(() => store.Queued == 8);
        }

        Assert.Equal(HttpStatusCode.Created, (await blocker.WaitAsync(Deadline)).Status);
        var replies = await Task.WhenAll(members).WaitAsync(Deadline);
        Assert.All(replies, r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Contains(8, batches.Sizes);
        var ids = string.Join(", ", replies.Select(r => $"'{IdOf(r)}'"));

        // PostgreSQL numbers the statements of a transaction (cmin): the rows one statement wrote share its number.
        long Statements(long expectedCombined) => combine ? expectedCombined : 8;
        Assert.Equal(1, await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(DISTINCT xmin::text) FROM payments WHERE id IN ({ids})"));
        Assert.Equal(Statements(1), await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(DISTINCT cmin::text) FROM payments WHERE id IN ({ids})"));
        Assert.Equal(Statements(2), await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(DISTINCT cmin::text) FROM ledger_movements WHERE payment_id IN ({ids})"));
        Assert.Equal(Statements(1), await StoreSql.ScalarAsync(service.Services, $"SELECT COUNT(DISTINCT cmin::text) FROM transaction_log WHERE object_id IN ({ids})"));
        Assert.Equal(Statements(1), await StoreSql.ScalarAsync(service.Services,
            $"SELECT COUNT(DISTINCT k.cmin::text) FROM idempotency_keys k JOIN transaction_log t ON t.event_id = k.response_event_id WHERE t.object_id IN ({ids})"));
        // The members keep one order in every table: each payment's place among them is the same in payments and in the log.
        Assert.Equal(0, await StoreSql.ScalarAsync(service.Services,
            "SELECT COUNT(*) FROM (SELECT rank() OVER (ORDER BY p.seq) AS by_payment, rank() OVER (ORDER BY t.seq) AS by_event " +
            $"FROM payments p JOIN transaction_log t ON t.object_id = p.id WHERE p.id IN ({ids})) ranks WHERE by_payment <> by_event"));
        await LedgerInvariant.AssertAsync(service.Services);
    }

    [Fact]
    public async Task Key_look_ups_waiting_together_go_in_one_round_trip_and_each_gets_its_own_answer()
    {
        var acquirer = new RecordingAcquirer();
        await using var owner = Service();
        var service = WithAcquirer(owner, acquirer);
        using var client = service.CreateClient(ApiFixture.MerchantAKey);
        var store = (PostgresPaymentStore)service.Services.GetRequiredService<IPaymentStore>();
        using var lookups = new BatchSizes(service.Services, "payments.store.key_lookup_batch_size");
        var recorded = Enumerable.Range(0, 3).Select(i => ($"recorded-{i}-{Guid.NewGuid():N}", 7501L + i)).ToArray();
        var earlier = new Dictionary<string, string>();
        foreach (var (key, amount) in recorded)
        {
            var reply = await PostAsync(client, "/v1/payments", PaymentBody(amount), key);
            Assert.Equal(HttpStatusCode.Created, reply.Status);
            earlier[key] = IdOf(reply);
        }

        var authorizedBefore = acquirer.Requests;
        Task<Reply>[] first, waiting;
        var fresh = Enumerable.Range(0, 7).Select(i => $"fresh-{i}-{Guid.NewGuid():N}").ToArray();
        await using (var held = await HoldLockAsync(service.Services, "LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE"))
        {
            // Both readers take one look-up each and wait on the table; the next ten queue behind them.
            first = new Task<Reply>[2];
            for (var i = 0; i < first.Length; i++)
            {
                first[i] = PostAsync(client, "/v1/payments", PaymentBody(7510), $"first-{i}-{Guid.NewGuid():N}");
                var blocked = i + 1;
                await WaitUntil(async () => await StoreSql.ScalarAsync(service.Services,
                    "SELECT COUNT(*) FROM pg_locks WHERE " + OwnWaits("idempotency_keys", "AccessShareLock")) == blocked);
            }

            waiting = [.. recorded.Select(r => PostAsync(client, "/v1/payments", PaymentBody(r.Item2), r.Item1)),
                .. fresh.Select(key => PostAsync(client, "/v1/payments", PaymentBody(7520), key))];
            await WaitUntil(() => store.QueuedKeyLookups == 10);
        }

        var replies = await Task.WhenAll(waiting).WaitAsync(Deadline);
        Assert.All(await Task.WhenAll(first).WaitAsync(Deadline), r => Assert.Equal(HttpStatusCode.Created, r.Status));
        // Five look-ups went alone (the three recorded keys, then the two that waited on the table). The ten queued
        // behind those two go out with the readers as they come free: one round trip when one reader frees first, or
        // shared between the two when both free at once. Never one round trip each. A size is recorded when its round
        // trip ends, so a look-up that waited on the table may be recorded after the ten: the sizes are counted, not
        // read in order.
        Assert.True(lookups.Sizes.Sum() == 15 && lookups.Sizes.Count <= 7, "look-up batch sizes: " + string.Join(", ", lookups.Sizes));
        for (var i = 0; i < recorded.Length; i++)
        {
            Assert.Equal(HttpStatusCode.Created, replies[i].Status);
            Assert.Equal(earlier[recorded[i].Item1], IdOf(replies[i]));
        }

        Assert.All(replies[recorded.Length..], r => Assert.Equal(HttpStatusCode.Created, r.Status));
        Assert.Equal(fresh.Length, replies[recorded.Length..].Select(IdOf).Distinct().Count());
        // Replays were answered from their records: only the two first and the seven fresh keys were authorized.
        Assert.Equal(2 + fresh.Length, acquirer.Requests - authorizedBefore);
    }

    private static async Task<IAsyncDisposable> HoldLockAsync(IServiceProvider services, string lockSql)
    {
        var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN; " + lockSql;
        await begin.ExecuteNonQueryAsync();
        return new HeldLock(connection);
    }

    private static string IdOf(Reply reply) => System.Text.Json.JsonDocument.Parse(reply.Body).RootElement.GetProperty("id").GetString()!;

    /// <summary>Rows of <paramref name="query"/> (with <c>{0}</c> for the payment id) that differ between the two payments, both ways.</summary>
    private static Task<long> DifferentRowsAsync(IServiceProvider services, string query, string left, string right)
    {
        string Of(string id) => string.Format(System.Globalization.CultureInfo.InvariantCulture, query, id);
        return StoreSql.ScalarAsync(services,
            $"SELECT (SELECT COUNT(*) FROM ({Of(left)} EXCEPT ALL {Of(right)}) a) + (SELECT COUNT(*) FROM ({Of(right)} EXCEPT ALL {Of(left)}) b)");
    }

    protected override async Task<IAsyncDisposable> HoldWriteLockAsync(IServiceProvider services)
    {
        var connection = await services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var begin = connection.CreateCommand();
        // EXCLUSIVE lets the key look-ups read on and stops every insert into the outbox.
        begin.CommandText = "BEGIN; LOCK TABLE transaction_log IN EXCLUSIVE MODE";
        await begin.ExecuteNonQueryAsync();
        return new HeldLock(connection);
    }

    /// <summary>
    /// Lock waits on <paramref name="table"/> in <paramref name="mode"/> in this database only: autovacuum and
    /// other databases' sessions wait in pg_locks too.
    /// </summary>
    private static string OwnWaits(string table, string mode) =>
        $"NOT granted AND relation = '{table}'::regclass AND mode = '{mode}' " +
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";

    protected override Task WaitUntilCommitIsBlockedAsync(IServiceProvider services) =>
        WaitUntil(async () => await StoreSql.ScalarAsync(services,
            "SELECT COUNT(*) FROM pg_locks WHERE " + OwnWaits("transaction_log", "RowExclusiveLock")) == 1);

    /// <summary>The backend of the one commit waiting for the outbox lock, other than <paramref name="except"/>.</summary>
    private static async Task<long> BlockedCommitAsync(IServiceProvider services, long except)
    {
        long pid = 0;
        await WaitUntil(async () => (pid = await StoreSql.ScalarAsync(services,
            $"SELECT COALESCE(MAX(pid), 0) FROM pg_locks WHERE pid <> {except} AND " + OwnWaits("transaction_log", "RowExclusiveLock"))) != 0);
        return pid;
    }

    private static async Task TerminateAsync(IServiceProvider services, long pid) =>
        Assert.Equal(1, await StoreSql.ScalarAsync(services, $"SELECT COUNT(*) FROM pg_terminate_backend({pid}) AS t(ok) WHERE ok"));

    protected override string RefuseTrigger() => $$"""
        CREATE FUNCTION refuse_payment() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN RAISE EXCEPTION 'refused by a check' USING ERRCODE = '23514'; END $f$;
        CREATE TRIGGER refuse_payment BEFORE INSERT ON payments FOR EACH ROW
          WHEN (NEW.description = '{{RefusedDescription}}') EXECUTE FUNCTION refuse_payment();
        """;

    protected override string DropRefuseTrigger() => "DROP TRIGGER refuse_payment ON payments; DROP FUNCTION refuse_payment();";

    // The combined insert fails as a whole; the batch runs again row by row, which names the member.
    protected override IReadOnlyList<string> RerunsToFindOneRefusedMember => ["combined_statement_refused", "member_refused"];
}
