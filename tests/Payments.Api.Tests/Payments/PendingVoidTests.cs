using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Acquiring;
using Payments.Api.Observability;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// A void the acquirer refuses is not dropped: the service retries it in process while the database
/// is away, records it in <c>pending_voids</c> once the database is back, and the sweeper retries it
/// with backoff until the acquirer accepts it — one accepted void per authorization, whichever way it
/// goes. Time is a <see cref="FakeTimeProvider"/>; each step runs one pass of the queue or sweeper.
/// </summary>
public abstract class PendingVoidTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private const string FailingDescription = "pending void: the store refuses this write";

    private readonly FakeTimeProvider time = new(DateTimeOffset.UtcNow);
    private readonly RecordingAcquirer acquirer = new() { VoidsFail = true };

    [Fact]
    public async Task The_database_comes_back_first_then_the_sweeper_voids_once_the_acquirer_does()
    {
        using var factory = Service();
        var (retries, sweeper) = (factory.Services.GetRequiredService<VoidRetries>(), NewSweeper(factory));
        await using (await DatabaseAwayAsync(factory.Services))
        {
            await CreateFailingPaymentAsync(factory);
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));
            Assert.Equal(2, acquirer.VoidAttempts);
            Assert.Empty(acquirer.Voided);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await retries.RunDueAsync(CancellationToken.None));
        Assert.Equal(1, await OpenRecordsAsync(factory.Services));

        Assert.Equal(0, await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Equal(3, acquirer.VoidAttempts);

        acquirer.VoidsFail = false;
        Assert.Equal(0, await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Empty(acquirer.Voided);
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await sweeper.SweepOnceAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sweeper.SweepOnceAsync(CancellationToken.None));

        await AssertVoidedOnceAsync(factory.Services, sweeper, retries);
    }

    [Fact]
    public async Task The_acquirer_comes_back_first_then_the_queue_voids_and_records_it_as_done()
    {
        using var factory = Service();
        var (retries, sweeper) = (factory.Services.GetRequiredService<VoidRetries>(), NewSweeper(factory));
        await using (await DatabaseAwayAsync(factory.Services))
        {
            await CreateFailingPaymentAsync(factory);
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));

            acquirer.VoidsFail = false;
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));
            Assert.Single(acquirer.Voided);

            // Still away: the done void waits in the queue to be recorded; it is not sent again.
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));
            Assert.Single(acquirer.Voided);
        }

        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await retries.RunDueAsync(CancellationToken.None));
        Assert.Equal(0, await OpenRecordsAsync(factory.Services));

        await AssertVoidedOnceAsync(factory.Services, sweeper, retries);
    }

    [Fact]
    public async Task A_queued_void_whose_record_committed_unseen_is_marked_done_not_voided_again()
    {
        using var factory = Service();
        var (retries, sweeper) = (factory.Services.GetRequiredService<VoidRetries>(), NewSweeper(factory));
        string authorization;
        await using (await DatabaseAwayAsync(factory.Services))
        {
            await CreateFailingPaymentAsync(factory);
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));
            authorization = Assert.Single(acquirer.Authorized);
        }

        // As if the record's COMMIT had reached the database while its answer was lost: the queue still holds the void.
        await factory.Services.GetRequiredService<PendingVoidStore>().RecordAsync(
            authorization, "pay_unseen", "ambiguous commit", time.GetUtcNow().ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        await using (await DatabaseAwayAsync(factory.Services, paymentsToo: false))
        {
            acquirer.VoidsFail = false;
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, await retries.RunDueAsync(CancellationToken.None));
            Assert.Single(acquirer.Voided);
        }

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await retries.RunDueAsync(CancellationToken.None));

        await AssertVoidedOnceAsync(factory.Services, sweeper, retries);
    }

    [Fact]
    public async Task A_record_whose_payment_was_recorded_after_all_is_closed_without_a_void()
    {
        using var factory = Service();
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var created = await PostAsync(client, "/v1/payments", PaymentBody(3100, capture: false));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var paymentId = created.Json.GetProperty("id").GetString()!;
        var authorization = Assert.Single(acquirer.Authorized);

        // As if that payment's commit had been reported failed (its answer lost) and its void refused.
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await factory.Services.GetRequiredService<PendingVoidStore>().RecordAsync(authorization, paymentId, "ambiguous commit", now, now, CancellationToken.None);
        acquirer.VoidsFail = false;

        Assert.Equal(0, await NewSweeper(factory).SweepOnceAsync(CancellationToken.None));

        Assert.Empty(acquirer.Voided);
        Assert.Equal(0, acquirer.VoidAttempts);
        Assert.Equal(1, await StoreSql.ScalarAsync(factory.Services, $"SELECT COUNT(*) FROM pending_voids WHERE resolution = 'payment_recorded' AND {Mine()}"));
        Assert.Equal(0, await OpenRecordsAsync(factory.Services));
    }

    [Fact]
    public async Task An_approval_whose_commit_outcome_is_unknown_is_recorded_never_voided_from_the_queue_and_swept_only_if_its_payment_is_absent()
    {
        using var factory = Service();
        var (retries, sweeper) = (factory.Services.GetRequiredService<VoidRetries>(), NewSweeper(factory));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var created = await PostAsync(client, "/v1/payments", PaymentBody(3300, capture: false));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var committed = (Authorization: Assert.Single(acquirer.Authorized), PaymentId: created.Json.GetProperty("id").GetString()!);
        var lost = (await acquirer.AuthorizeAsync(new CardDetails(Visa, 12, DateTime.UtcNow.Year + 3, "123"), 3300, "usd", CancellationToken.None)).AuthorizationId!;
        acquirer.VoidsFail = false;

        await using (await DatabaseAwayAsync(factory.Services, paymentsToo: false))
        {
            retries.EnqueueUnresolved(committed.Authorization, committed.PaymentId, "commit outcome unknown");
            retries.EnqueueUnresolved(lost, "pay_neverrecorded000000", "commit outcome unknown");
            Assert.Equal(2, await retries.RunDueAsync(CancellationToken.None));
            Assert.Equal(0, acquirer.VoidAttempts);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, await retries.RunDueAsync(CancellationToken.None));
        Assert.Equal(0, acquirer.VoidAttempts);
        Assert.Equal(2, await OpenRecordsAsync(factory.Services));

        Assert.Equal(1, await sweeper.SweepOnceAsync(CancellationToken.None));
        Assert.Equal([lost], acquirer.Voided);
        Assert.Equal(1, await StoreSql.ScalarAsync(factory.Services, $"SELECT COUNT(*) FROM pending_voids WHERE resolution = 'payment_recorded' AND authorization_id = '{committed.Authorization}'"));
        Assert.Equal(1, await StoreSql.ScalarAsync(factory.Services, $"SELECT COUNT(*) FROM pending_voids WHERE resolution = 'voided' AND authorization_id = '{lost}'"));
        Assert.Equal(0, await OpenRecordsAsync(factory.Services));
    }

    [Fact]
    public async Task Two_sweepers_on_one_database_void_a_record_once()
    {
        using var factory = Service();
        var store = factory.Services.GetRequiredService<PendingVoidStore>();
        var authorizations = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var approval = await acquirer.AuthorizeAsync(new CardDetails(Visa, 12, DateTime.UtcNow.Year + 3, "123"), 100, "usd", CancellationToken.None);
            authorizations.Add(approval.AuthorizationId!);
            await store.RecordAsync(approval.AuthorizationId!, "pay_" + i, "test", time.GetUtcNow().ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        }

        acquirer.VoidsFail = false;
        var sweepers = Enumerable.Range(0, 2).Select(_ => NewSweeper(factory)).ToList();
        try
        {
            var voided = await Task.WhenAll(sweepers.Select(s => Task.Run(() => s.SweepOnceAsync(CancellationToken.None))));

            Assert.Equal(20, voided.Sum());
            Assert.Equal(authorizations.Order(), acquirer.Voided.Order());
            Assert.Equal(0, await OpenRecordsAsync(factory.Services));
        }
        finally
        {
            sweepers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task The_worker_role_sweeps_on_its_own_every_interval()
    {
        using var factory = Service().WithWebHostBuilder(builder => builder.UseSetting("Payments:PendingVoids:SweeperEnabled", "true"));
        Assert.Contains(factory.Services.GetServices<IHostedService>(), service => service is PendingVoidSweeper);
        var approval = await acquirer.AuthorizeAsync(new CardDetails(Visa, 12, DateTime.UtcNow.Year + 3, "123"), 100, "usd", CancellationToken.None);
        await factory.Services.GetRequiredService<PendingVoidStore>().RecordAsync(
            approval.AuthorizationId!, "pay_hosted", "test", time.GetUtcNow().ToUnixTimeMilliseconds(), time.GetUtcNow().ToUnixTimeMilliseconds(), CancellationToken.None);
        acquirer.VoidsFail = false;

        // The sweeper waits one interval of the fake clock between passes: move the clock until the void arrives.
        Assert.True(await Poll.UntilAsync(async () =>
        {
            if (!acquirer.Voided.IsEmpty && await OpenRecordsAsync(factory.Services) == 0)
            {
                return true;
            }

            time.Advance(TimeSpan.FromSeconds(5));
            return false;
        }, TimeSpan.FromSeconds(30)), "the hosted sweeper never voided the recorded approval");

        Assert.Equal([approval.AuthorizationId!], acquirer.Voided);
        Assert.Equal(0, await OpenRecordsAsync(factory.Services));
    }

    /// <summary>A sweeper driven by the test, one pass per call (the fixture runs none of its own).</summary>
    private PendingVoidSweeper NewSweeper(WebApplicationFactory<Program> factory) => new(
        acquirer, factory.Services.GetRequiredService<PendingVoidStore>(), factory.Services.GetRequiredService<IOptions<PendingVoidOptions>>(),
        factory.Services.GetRequiredService<PaymentsMetrics>(), time, Microsoft.Extensions.Logging.Abstractions.NullLogger<PendingVoidSweeper>.Instance);

    private WebApplicationFactory<Program> Service() =>
        Fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<IAcquirer>(acquirer);
            services.AddSingleton<TimeProvider>(time);
        }));

    private async Task CreateFailingPaymentAsync(WebApplicationFactory<Program> factory)
    {
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var failed = await PostAsync(client, "/v1/payments", PaymentBody(2500, extra: $$""", "description": "{{FailingDescription}}" """));

        Assert.True((int)failed.Status >= 500, failed.ToString());
        Assert.Single(acquirer.Authorized);
        Assert.Equal(1, factory.Services.GetRequiredService<VoidRetries>().Count);
    }

    /// <summary>
    /// One accepted void, the record says so, and however much later the queue and the sweeper run
    /// again, nothing is voided again.
    /// </summary>
    private async Task AssertVoidedOnceAsync(IServiceProvider services, PendingVoidSweeper sweeper, VoidRetries retries)
    {
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(0, await sweeper.SweepOnceAsync(CancellationToken.None));
            Assert.Equal(0, await retries.RunDueAsync(CancellationToken.None));
        }

        Assert.Equal(acquirer.Authorized, acquirer.Voided);
        Assert.Empty(acquirer.Held);
        Assert.Equal(1, await StoreSql.ScalarAsync(services, $"SELECT COUNT(*) FROM pending_voids WHERE resolution = 'voided' AND resolved_at IS NOT NULL AND {Mine()}"));
        Assert.Equal(0, await OpenRecordsAsync(services));
        Assert.Equal(0, await StoreSql.ScalarAsync(services, $"SELECT COUNT(*) FROM payments WHERE description = '{FailingDescription}'"));
    }

    private Task<long> OpenRecordsAsync(IServiceProvider services) =>
        StoreSql.ScalarAsync(services, $"SELECT COUNT(*) FROM pending_voids WHERE resolved_at IS NULL AND {Mine()}");

    /// <summary>This test's records (the class shares one database).</summary>
    private string Mine() => $"authorization_id IN ({string.Join(", ", acquirer.Authorized.Select(a => $"'{a}'").DefaultIfEmpty("''"))})";

    /// <summary>
    /// The database refuses the failing payment's write and every write to pending_voids — real errors
    /// from the database itself (triggers) — until disposed.
    /// </summary>
    private async Task<IAsyncDisposable> DatabaseAwayAsync(IServiceProvider services, bool paymentsToo = true)
    {
        var postgres = Fixture.Store == StoreKind.Postgres;
        await StoreSql.ExecuteAsync(services, postgres
            ? """
              CREATE FUNCTION refuse_write() RETURNS trigger LANGUAGE plpgsql AS $f$
              BEGIN RAISE EXCEPTION 'database away' USING ERRCODE = '58030'; END $f$;
              CREATE TRIGGER refuse_pending_void BEFORE INSERT OR UPDATE ON pending_voids FOR EACH ROW EXECUTE FUNCTION refuse_write();
              """
            : "CREATE TRIGGER refuse_pending_void BEFORE INSERT ON pending_voids BEGIN SELECT RAISE(ABORT, 'database away'); END;");
        if (paymentsToo)
        {
            await StoreSql.ExecuteAsync(services, postgres
                ? $"CREATE TRIGGER refuse_payment BEFORE INSERT ON payments FOR EACH ROW WHEN (NEW.description = '{FailingDescription}') EXECUTE FUNCTION refuse_write();"
                : $"CREATE TRIGGER refuse_payment BEFORE INSERT ON payments WHEN NEW.description = '{FailingDescription}' BEGIN SELECT RAISE(ABORT, 'database away'); END;");
        }

        return new Restore(async () => await StoreSql.ExecuteAsync(services, postgres
            ? "DROP TRIGGER IF EXISTS refuse_payment ON payments; DROP TRIGGER refuse_pending_void ON pending_voids; DROP FUNCTION refuse_write();"
            : "DROP TRIGGER IF EXISTS refuse_payment; DROP TRIGGER refuse_pending_void;"));
    }

    private sealed class Restore(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }
}

public sealed class PendingVoidTestsSqlite(PendingVoidTestsSqlite.NoSweeperFixture fixture) : PendingVoidTests(fixture), IClassFixture<PendingVoidTestsSqlite.NoSweeperFixture>
{
    /// <summary>No sweeper of the service's own: the tests run the passes.</summary>
    public sealed class NoSweeperFixture() : ApiFixture(StoreKind.Sqlite)
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Payments:PendingVoids:SweeperEnabled"] = "false";
    }
}

public sealed class PendingVoidTestsPostgres(PendingVoidTestsPostgres.NoSweeperFixture fixture) : PendingVoidTests(fixture), IClassFixture<PendingVoidTestsPostgres.NoSweeperFixture>
{
    /// <summary>No sweeper of the service's own: the tests run the passes.</summary>
    public sealed class NoSweeperFixture() : ApiFixture(StoreKind.Postgres)
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["Payments:PendingVoids:SweeperEnabled"] = "false";
    }
}
