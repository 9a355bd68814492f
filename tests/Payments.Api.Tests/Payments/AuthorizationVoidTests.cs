using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Payments.Api.Acquiring;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Payments;

/// <summary>
/// No authorization without a record: when the database fails the write that follows an approval,
/// the approval is voided with the acquirer, nothing is stored, and a retry with the same
/// idempotency key authorizes again and records exactly one payment.
/// </summary>
public abstract class AuthorizationVoidTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    protected const string FailingDescription = "the store refuses this write";

    [Fact]
    public async Task A_database_error_on_the_write_voids_the_approval_and_the_same_key_then_records_one_payment()
    {
        var acquirer = new RecordingAcquirer();
        using var factory = WithAcquirer(acquirer);
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var key = "void-" + Guid.NewGuid().ToString("N");
        var body = PaymentBody(4321, extra: $$""", "description": "{{FailingDescription}}" """);

        // A real error from the database itself: a trigger that refuses this payment's row.
        await StoreSql.ExecuteAsync(factory.Services, Fixture.Store == StoreKind.Postgres
            ? $$"""
              CREATE FUNCTION refuse_payment() RETURNS trigger LANGUAGE plpgsql AS $f$
              BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $f$;
              CREATE TRIGGER refuse_payment BEFORE INSERT ON payments FOR EACH ROW
                WHEN (NEW.description = '{{FailingDescription}}') EXECUTE FUNCTION refuse_payment();
              """
            : $"""
              CREATE TRIGGER refuse_payment BEFORE INSERT ON payments
                WHEN NEW.description = '{FailingDescription}' BEGIN SELECT RAISE(ABORT, 'could not extend file'); END;
              """);
        Reply failed;
        try
        {
            failed = await PostAsync(client, "/v1/payments", body, key);
        }
        finally
        {
            await StoreSql.ExecuteAsync(factory.Services, Fixture.Store == StoreKind.Postgres
                ? "DROP TRIGGER refuse_payment ON payments; DROP FUNCTION refuse_payment();"
                : "DROP TRIGGER refuse_payment;");
        }

        // PostgreSQL's "disk full" class is an outage (503, retry); SQLite's ABORT is an unexpected error (500).
        Assert.True((int)failed.Status >= 500, failed.ToString());
        Assert.Single(acquirer.Authorized);
        Assert.Equal(acquirer.Authorized, acquirer.Voided);
        Assert.Equal(0, await PaymentsWithDescriptionAsync(factory.Services));

        var retried = await PostAsync(client, "/v1/payments", body, key);

        Assert.Equal(HttpStatusCode.Created, retried.Status);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, acquirer.Authorized.Count);
        Assert.Single(acquirer.Held);
        Assert.Equal(1, await PaymentsWithDescriptionAsync(factory.Services));
        var replayed = await PostAsync(client, "/v1/payments", body, key);
        Assert.Equal(retried.Body, replayed.Body);
        Assert.Equal(2, acquirer.Authorized.Count);
    }

    protected WebApplicationFactory<Program> WithAcquirer(IAcquirer acquirer) =>
        Fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton(acquirer)));

    protected static Task<long> PaymentsWithDescriptionAsync(IServiceProvider services, string description = FailingDescription) =>
        StoreSql.ScalarAsync(services, $"SELECT COUNT(*) FROM payments WHERE description = '{description}'");
}

public sealed class AuthorizationVoidTestsSqlite(SqliteApiFixture fixture) : AuthorizationVoidTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class AuthorizationVoidTestsPostgres(PostgresApiFixture fixture) : AuthorizationVoidTests(fixture), IClassFixture<PostgresApiFixture>
{
    [Fact]
    public async Task A_connection_killed_between_approval_and_commit_voids_the_approval_and_the_same_key_then_records_one_payment()
    {
        var acquirer = new RecordingAcquirer();
        using var factory = WithAcquirer(acquirer);
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);
        var key = "kill-" + Guid.NewGuid().ToString("N");
        var description = "killed " + key;
        var body = PaymentBody(8765, extra: $$""", "description": "{{description}}" """);
        var connectionString = ((PaymentsApiFactory)Fixture.Factory).ConnectionString;
        acquirer.AfterApproval = async () =>
        {
            // The server ends the service's session that holds the key's transaction open.
            acquirer.AfterApproval = null;
            await using var admin = new NpgsqlConnection(connectionString);
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()", admin);
            Assert.Equal(1L, (long)(await terminate.ExecuteScalarAsync())!);
        };

        var failed = await PostAsync(client, "/v1/payments", body, key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.Status);
        Assert.Equal("store_unavailable", failed.ErrorCode);
        Assert.Single(acquirer.Authorized);
        Assert.Equal(acquirer.Authorized, acquirer.Voided);
        Assert.Equal(0, await PaymentsWithDescriptionAsync(factory.Services, description));

        var retried = await PostAsync(client, "/v1/payments", body, key);

        Assert.True(retried.Status == HttpStatusCode.Created, retried.ToString());
        Assert.Single(acquirer.Held);
        Assert.Equal(1, await PaymentsWithDescriptionAsync(factory.Services, description));
    }
}
