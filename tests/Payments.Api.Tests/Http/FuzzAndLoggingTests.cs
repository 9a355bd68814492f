using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

public abstract class FuzzTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Mutated_bodies_never_get_a_5xx()
    {
        var random = new Random(20261123);
        var valid = Encoding.UTF8.GetBytes(PaymentBody(1234, extra: """, "metadata": {"k": "v"}, "description": "d" """));
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 300; i++)
        {
            var body = (byte[])valid.Clone();
            var mutations = random.Next(1, 4);
            for (var m = 0; m < mutations; m++)
            {
                var at = random.Next(body.Length);
                switch (random.Next(3))
                {
                    case 0:
                        body[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        body = [.. body.AsSpan(0, at), .. body.AsSpan(Math.Min(body.Length, at + random.Next(1, 6)))];
                        break;
                    default:
                        body = [.. body.AsSpan(0, at), .. "\"x\":[{}],"u8, .. body.AsSpan(at)];
                        break;
                }
            }

            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
            using var response = await A.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
            var status = (int)response.StatusCode;
            Assert.True(status < 500, $"mutation {i} got {status}: {Encoding.UTF8.GetString(body)} -> {await response.Content.ReadAsStringAsync()}");
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
        }

        Assert.True(statuses.GetValueOrDefault(400) > 100, string.Join(", ", statuses));
    }
}

public sealed class FuzzTestsSqlite(SqliteApiFixture fixture) : FuzzTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class FuzzTestsPostgres(PostgresApiFixture fixture) : FuzzTests(fixture), IClassFixture<PostgresApiFixture>;

/// <summary>Card numbers and CVCs never reach a log line, at any level.</summary>
public abstract class CardDataLoggingTests(ApiFixture fixture)
{
    [Fact]
    public async Task No_log_line_contains_the_card_number_or_cvc()
    {
        var lines = new ConcurrentQueue<string>();
        using var factory = fixture.Factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.AddLogging(logging =>
            {
                logging.SetMinimumLevel(LogLevel.Trace);
                logging.AddFilter(_ => true);
                logging.AddProvider(new CapturingLoggerProvider(lines));
            })));
        using var client = factory.CreateClient(ApiFixture.MerchantAKey);

        foreach (var number in new[] { "4242424242424242", "4000000000009995", "4242424242424241" })
        {
            using var content = new StringContent(ApiTestBase.PaymentBody(number: number).Replace("\"123\"", "\"9876\"", StringComparison.Ordinal), Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri("/v1/payments", UriKind.Relative), content);
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.PaymentRequired or HttpStatusCode.BadRequest);
        }

        Assert.NotEmpty(lines);
        Assert.DoesNotContain(lines, line => line.Contains("424242424242", StringComparison.Ordinal) || line.Contains("400000000000", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains("9876", StringComparison.Ordinal));
    }
}

public sealed class CardDataLoggingTestsSqlite(SqliteApiFixture fixture) : CardDataLoggingTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class CardDataLoggingTestsPostgres(PostgresApiFixture fixture) : CardDataLoggingTests(fixture), IClassFixture<PostgresApiFixture>;
