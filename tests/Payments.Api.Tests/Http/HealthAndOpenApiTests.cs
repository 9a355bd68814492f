using System.Net;
using System.Text.Json;
using Payments.Api.Hosting;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Http;

public abstract class HealthAndOpenApiTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    [Fact]
    public async Task Liveness_and_readiness_need_no_authentication()
    {
        Assert.Equal(HttpStatusCode.OK, (await Fixture.Anonymous.GetAsync(new Uri(ServiceContract.LivenessPath, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Fixture.Anonymous.GetAsync(new Uri(ServiceContract.ReadinessPath, UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task OpenApi_document_describes_every_route()
    {
        var document = JsonDocument.Parse(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement;
        var paths = document.GetProperty("paths");

        foreach (var (path, method) in new[]
        {
            ("/v1/payments", "post"), ("/v1/payments", "get"), ("/v1/payments/{id}", "get"),
            ("/v1/payments/{id}/capture", "post"), ("/v1/payments/{id}/cancel", "post"),
            ("/v1/payments/{id}/refunds", "post"), ("/v1/payments/{id}/refunds", "get"), ("/v1/balance", "get"),
            (ServiceContract.LivenessPath, "get"), (ServiceContract.ReadinessPath, "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} missing");
            Assert.True(item.TryGetProperty(method, out _), $"{method} {path} missing");
        }

        var create = paths.GetProperty("/v1/payments").GetProperty("post");
        Assert.True(create.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.True(create.GetProperty("security")[0].TryGetProperty("bearer", out _));
    }
}

public sealed class HealthAndOpenApiTestsSqlite(SqliteApiFixture fixture) : HealthAndOpenApiTests(fixture), IClassFixture<SqliteApiFixture>;

public sealed class HealthAndOpenApiTestsPostgres(PostgresApiFixture fixture) : HealthAndOpenApiTests(fixture), IClassFixture<PostgresApiFixture>;

/// <summary>Readiness turns 503 while draining; its own service because draining is one-way.</summary>
public sealed class ReadinessDrainingTests
{
    [Fact]
    public async Task Readiness_is_503_once_draining_starts()
    {
        var fixture = new SqliteApiFixture();
        await fixture.InitializeAsync();
        try
        {
            fixture.Factory.Services.GetRequiredService<ShutdownState>().BeginDraining();

            var ready = await fixture.Anonymous.GetAsync(new Uri(ServiceContract.ReadinessPath, UriKind.Relative));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await fixture.Anonymous.GetAsync(new Uri(ServiceContract.LivenessPath, UriKind.Relative))).StatusCode);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }
}

/// <summary>The worker role runs the relay only: health endpoints answer, the payments API does not exist.</summary>
public sealed class WorkerRoleTests
{
    [Fact]
    public async Task Worker_role_serves_health_but_not_the_api()
    {
        var fixture = new WorkerRoleFixture();
        await fixture.InitializeAsync();
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await fixture.Anonymous.GetAsync(new Uri(ServiceContract.ReadinessPath, UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.MerchantA.GetAsync(new Uri("/v1/balance", UriKind.Relative))).StatusCode);
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private sealed class WorkerRoleFixture() : ApiFixture(Api.Storage.StoreKind.Sqlite)
    {
        protected override void Configure(IDictionary<string, string?> settings) => settings["role"] = "worker";
    }
}
