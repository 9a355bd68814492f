using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Api.Payments;

namespace Payments.Api.Webhooks;

/// <summary>A merchant's webhook endpoint as stored. <see cref="Secret"/> never leaves the store except in the creation response.</summary>
public sealed record WebhookEndpoint(
    string Id,
    string MerchantId,
    string Url,
    string? Description,
    IReadOnlyList<string> EnabledEvents,
    string Secret,
    string Status,
    long Created,
    long? DisabledAt)
{
    public const string Enabled = "enabled";
    public const string Disabled = "disabled";

    public WebhookEndpointResource ToResource(bool withSecret = false) =>
        new(Id, "webhook_endpoint", Url, Description, EnabledEvents, Status, Created, withSecret ? Secret : null);
}

/// <summary>One try to deliver an event to an endpoint, as the attempt log keeps it.</summary>
public sealed record WebhookAttempt(
    string Id,
    string EndpointId,
    string EventId,
    string EventType,
    long AttemptedAtMs,
    int? StatusCode,
    long DurationMs,
    string? Error,
    bool Succeeded)
{
    public WebhookAttemptResource ToResource() =>
        new(Id, "webhook_attempt", EndpointId, EventId, EventType, AttemptedAtMs / 1000, StatusCode, DurationMs, Error, Succeeded);
}

public sealed class CreateWebhookEndpointRequest
{
    public string? Url { get; init; }

    public List<string>? EnabledEvents { get; init; }

    public string? Description { get; init; }
}

/// <summary>The wire form of an endpoint; <c>secret</c> is present only in the response that created it.</summary>
public sealed record WebhookEndpointResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string Url,
    string? Description,
    IReadOnlyList<string> EnabledEvents,
    string Status,
    long Created,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret);

public sealed record DeletedWebhookEndpointResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    bool Deleted);

/// <summary>The wire form of a delivery attempt; <c>status_code</c> is null when no response came (timeout, refused connection).</summary>
public sealed record WebhookAttemptResource(
    string Id,
    [property: JsonPropertyName("object")] string ObjectType,
    string WebhookEndpoint,
    string EventId,
    string EventType,
    long Created,
    int? StatusCode,
    long DurationMs,
    string? Error,
    bool Succeeded);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    AllowDuplicateProperties = false,
    RespectNullableAnnotations = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(CreateWebhookEndpointRequest))]
[JsonSerializable(typeof(WebhookEndpointResource))]
[JsonSerializable(typeof(DeletedWebhookEndpointResource))]
[JsonSerializable(typeof(WebhookAttemptResource))]
[JsonSerializable(typeof(ListResource<WebhookEndpointResource>))]
[JsonSerializable(typeof(ListResource<WebhookAttemptResource>))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class WebhooksJsonContext : JsonSerializerContext;

public static class WebhooksJson
{
    // Responses are JSON for machines, never embedded in HTML: relaxed escaping like the payments' wire.
    public static WebhooksJsonContext Wire { get; } = new(new JsonSerializerOptions(WebhooksJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
