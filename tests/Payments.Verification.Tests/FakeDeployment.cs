using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Payments.Verification.Tests;

/// <summary>
/// A deployment that answers like the payments API and an empty S3 bucket on one loopback port, with one
/// chosen defect: its balance never moves (a ledger that lost its writes).
/// </summary>
internal sealed class FakeDeployment : IAsyncDisposable
{
    public const string ApiKey = "sk_verify_fake_key_0123456789";
    private readonly WebApplication app;

    private FakeDeployment(WebApplication app) => this.app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<FakeDeployment> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var payment = new JsonObject { ["id"] = "pay_fake", ["object"] = "payment", ["amount"] = 1234, ["currency"] = "usd" };

        app.MapGet("/healthz/ready", () => Results.Json(new { status = "ready" }));
        var v1 = app.MapGroup("/v1").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.Headers.Authorization == $"Bearer {ApiKey}"
                ? await next(context)
                : Results.Json(new { error = new { type = "authentication_error", code = "invalid_api_key", message = "Invalid API key provided." } }, statusCode: 401));
        v1.MapPost("/payments", () => Results.Json(With(payment, ("status", "requires_capture"), ("amount_capturable", 1234)), statusCode: 201));
        v1.MapPost("/payments/{id}/capture", (string id) => Results.Json(With(payment, ("status", "succeeded"), ("amount_captured", 1234))));
        v1.MapPost("/payments/{id}/refunds", (string id) => Results.Json(new JsonObject { ["id"] = "re_fake", ["status"] = "succeeded", ["amount"] = 234 }, statusCode: 201));
        v1.MapGet("/payments/{id}", (string id) => Results.Json(With(payment, ("status", "succeeded"), ("amount_refunded", 234))));
        v1.MapGet("/balance", () => Results.Json(new { @object = "balance", currencies = new[] { new { currency = "usd", captured = 5000, refunded = 0, net = 5000 } } }));
        // S3 ListObjectsV2 (path style) of an empty bucket.
        app.MapGet("/{bucket}", (string bucket) => Results.Text(
            $"""<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>{bucket}</Name><Prefix>transaction-log/</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>""",
            "application/xml"));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new FakeDeployment(app) { Url = new Uri(address) };
    }

    public string WriteOutputs(string directory)
    {
        var path = Path.Combine(directory, "flat-outputs.json");
        File.WriteAllText(path, new JsonObject
        {
            ["ApiUrl"] = Url.ToString(),
            ["TransactionLogBucketName"] = "payments-fake-transaction-log",
            ["TransactionLogPrefix"] = "transaction-log/",
        }.ToJsonString());
        return path;
    }

    private static JsonObject With(JsonObject source, params (string Key, object Value)[] fields)
    {
        var copy = source.DeepClone().AsObject();
        foreach (var (key, value) in fields)
        {
            copy[key] = JsonValue.Create(value);
        }
        return copy;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
