using System.Globalization;
using System.Net;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Idempotency;

/// <summary>
/// Two service instances on one PostgreSQL database share no memory: only the advisory lock and the
/// idempotency_keys primary key keep a key to one payment.
/// </summary>
public sealed class CrossInstanceIdempotencyTests(PostgresApiFixture fixture) : ApiTestBase(fixture), IClassFixture<PostgresApiFixture>
{
    [Fact]
    public async Task Concurrent_requests_with_one_key_on_two_instances_create_one_payment()
    {
        await using var second = PaymentsApiFactory.SecondInstance(Fixture.Factory);
        using var otherClient = second.CreateClient(ApiFixture.MerchantAKey);
        var body = PaymentBody(4242);

        for (var round = 0; round < 5; round++)
        {
            var key = $"two-instances-{round}-{Guid.NewGuid():N}";
            var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => PostAsync(i % 2 == 0 ? A : otherClient, "/v1/payments", body, key))));

            Assert.All(replies, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, r.ToString()));
            Assert.Single(replies.Where(r => r.Status == HttpStatusCode.Created).Select(r => r.Json.GetProperty("id").GetString()).Distinct());
        }

        await using var connection = await Fixture.Factory.Services.GetRequiredService<IConnectionFactory>().OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM payments WHERE amount = 4242";
        Assert.Equal(5L, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }
}
