using System.Net;
using System.Text.Json;
using Payments.Api.Hosting;
using Microsoft.AspNetCore.Routing;
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
    public async Task OpenApi_document_describes_payment_creation_and_bearer_security()
    {
        var document = JsonDocument.Parse(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative))).RootElement;
        var paths = document.GetProperty("paths");

        var create = paths.GetProperty("/v1/payments").GetProperty("post");
        Assert.True(create.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(create.GetProperty("responses").TryGetProperty("201", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.True(create.GetProperty("security")[0].TryGetProperty("bearer", out _));
    }

    [Fact]
    public async Task OpenApi_document_describes_every_route_of_the_routing_table()
    {
        using var document = JsonDocument.Parse(await Fixture.Anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var paths = document.RootElement.GetProperty("paths");
        var routes = Fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/healthz", StringComparison.Ordinal)))
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is not null)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: e.RoutePattern.RawText!, Method: m.ToLowerInvariant())))
            .ToList();

        Assert.True(routes.Count >= 10, $"only {routes.Count} routes mapped");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} is mapped but not in /openapi/v1.json");
        }
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
