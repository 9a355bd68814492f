using System.Net;
using Microsoft.Data.Sqlite;
using Npgsql;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Storage;

public sealed class StoreFailureClassificationTests
{
    [Theory]
    [InlineData("57P01", true)]
    [InlineData("57P03", true)]
    [InlineData("08006", true)]
    [InlineData("53300", true)]
    [InlineData("40001", true)]
    [InlineData("25006", true)]
    [InlineData("23505", false)]
    [InlineData("42P01", false)]
    public void Postgres_errors_are_transient_only_for_outage_and_overload_states(string sqlState, bool transient)
    {
        var exception = new PostgresException("m", "FATAL", "FATAL", sqlState);

        Assert.Equal(transient, StoreFailures.IsTransient(exception));
    }

    [Fact]
    public void Busy_sqlite_timeouts_and_wrapped_socket_errors_are_transient_and_bugs_are_not()
    {
        Assert.True(StoreFailures.IsTransient(new SqliteException("busy", 5)));
        Assert.True(StoreFailures.IsTransient(new NpgsqlException("broken", new System.Net.Sockets.SocketException())));
        Assert.True(StoreFailures.IsTransient(new TimeoutException()));
        Assert.False(StoreFailures.IsTransient(new SqliteException("constraint", 19)));
        Assert.False(StoreFailures.IsTransient(new InvalidOperationException("bug")));
    }
}

/// <summary>Connections killed under the service: typed 503 store_unavailable, never a 500, then recovery.</summary>
public sealed class StoreOutageTests(PostgresApiFixture fixture) : ApiTestBase(fixture), IClassFixture<PostgresApiFixture>
{
    [Fact]
    public async Task Killed_database_sessions_answer_503_store_unavailable_and_the_service_recovers()
    {
        // Warm the pool so there are idle sessions to kill.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => PostAsync(A, "/v1/payments", PaymentBody(100))));
        var database = new NpgsqlConnectionStringBuilder(Fixture.Factory.ConnectionString).Database;
        await using (var admin = new NpgsqlConnection(PostgresServer.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @d AND pid <> pg_backend_pid()", admin);
            kill.Parameters.AddWithValue("d", database!);
            await kill.ExecuteNonQueryAsync();
        }

        var replies = new List<Reply>();
        for (var i = 0; i < 12; i++)
        {
            replies.Add(await PostAsync(A, "/v1/payments", PaymentBody(101), "outage-" + i));
        }

        Assert.All(replies, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, r.ToString()));
        var unavailable = replies.Where(r => r.Status == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.NotEmpty(unavailable);
        Assert.All(unavailable, r =>
        {
            Assert.Equal("api_error", r.ErrorType);
            Assert.Equal("store_unavailable", r.ErrorCode);
            Assert.Equal("1", r.Headers.RetryAfter?.ToString());
        });
        Assert.Equal(HttpStatusCode.Created, replies[^1].Status);

        // Retrying a failed key now creates the payment exactly once.
        var failedIndex = replies.FindIndex(r => r.Status == HttpStatusCode.ServiceUnavailable);
        var retry = await PostAsync(A, "/v1/payments", PaymentBody(101), "outage-" + failedIndex);
        Assert.Equal(HttpStatusCode.Created, retry.Status);
        Assert.False(retry.Headers.Contains("Idempotent-Replayed"));
    }
}
