using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Payments.Api.Events;
using Payments.Api.Hosting;
using Payments.Api.Http;
using Payments.Api.Merchants;
using Payments.Api.Payments;

namespace Payments.Api.Webhooks;

public static class WebhooksApi
{
    private static readonly string[] ListParameters = ["limit", "starting_after"];

    /// <summary>Maps <c>/v1/webhook_endpoints</c> on the authenticated <c>/v1</c> group (<see cref="PaymentsApi.MapPaymentsApi"/>).</summary>
    public static RouteGroupBuilder MapWebhooksApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapPost("/webhook_endpoints", CreateAsync).WithName("CreateWebhookEndpoint").WithTags("webhooks").WithMetadata(new WithoutIdempotencyKey())
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            {
                var schema = await context.GetOrCreateSchemaAsync(typeof(CreateWebhookEndpointRequest), null, cancellationToken);
                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
                };
            });
        v1.MapGet("/webhook_endpoints", ListAsync).WithName("ListWebhookEndpoints").WithTags("webhooks").WithQueryParameters(ListParameters);
        v1.MapGet("/webhook_endpoints/{id}", GetAsync).WithName("GetWebhookEndpoint").WithTags("webhooks");
        v1.MapDelete("/webhook_endpoints/{id}", DeleteAsync).WithName("DeleteWebhookEndpoint").WithTags("webhooks");
        v1.MapGet("/webhook_endpoints/{id}/attempts", ListAttemptsAsync).WithName("ListWebhookAttempts").WithTags("webhooks").WithQueryParameters(ListParameters);
        return v1;
    }

    /// <summary>
    /// Endpoints, the URL rule, and — when the role is <c>worker</c> or <c>all</c> (or
    /// <c>Payments:Webhooks:DeliveryEnabled</c> says so) — the delivery loop.
    /// </summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.AddSingleton(provider => WebhookStore.For(provider.GetRequiredService<Storage.IConnectionFactory>()));
        services.AddSingleton<WebhookEndpointService>();
        services.AddSingleton(sp => new WebhookUrlPolicy(sp.GetRequiredService<IHostEnvironment>().IsDevelopment()));
        services.AddSingleton<WebhookDispatcher>();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Add(WebhooksJsonContext.Default));
        var options = builder.Configuration.GetSection(WebhookOptions.SectionName).Get<WebhookOptions>() ?? new WebhookOptions();
        if (options.DeliveryEnabled ?? ProcessRoles.FromConfiguration(builder.Configuration).RunsRelay())
        {
            services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        }

        return builder;
    }

    private static async Task<Results<JsonCreated<WebhookEndpointResource>, ErrorResult<Status400>>> CreateAsync(HttpContext context, WebhookEndpointService endpoints)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var request = body.Deserialize(WebhooksJson.Wire.CreateWebhookEndpointRequest);
        var (created, error) = await endpoints.CreateAsync(
            MerchantAuthenticationFilter.MerchantId(context), request.Url, request.EnabledEvents, request.Description, context.RequestAborted);
        return created is null
            ? new ErrorResult<Status400>(error!)
            : new JsonCreated<WebhookEndpointResource>(JsonSerializer.SerializeToUtf8Bytes(created.ToResource(withSecret: true), WebhooksJson.Wire.WebhookEndpointResource));
    }

    private static async Task<Results<JsonOk<WebhookEndpointResource>, ErrorResult<Status404>>> GetAsync(HttpContext context, string id, WebhookStore store) =>
        await store.FindEndpointAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted) is { } endpoint
            ? new JsonOk<WebhookEndpointResource>(endpoint.ToResource(), WebhooksJson.Wire.WebhookEndpointResource)
            : new ErrorResult<Status404>(NoSuchEndpoint(id, "id"));

    private static async Task<Results<JsonOk<DeletedWebhookEndpointResource>, ErrorResult<Status404>>> DeleteAsync(HttpContext context, string id, WebhookStore store) =>
        await store.DeleteEndpointAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted)
            ? new JsonOk<DeletedWebhookEndpointResource>(new DeletedWebhookEndpointResource(id, "webhook_endpoint", true), WebhooksJson.Wire.DeletedWebhookEndpointResource)
            : new ErrorResult<Status404>(NoSuchEndpoint(id, "id"));

    private static async Task<Results<JsonOk<ListResource<WebhookEndpointResource>>, ErrorResult<Status400>>> ListAsync(HttpContext context, WebhookStore store)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        var page = await store.ListEndpointsAsync(MerchantAuthenticationFilter.MerchantId(context), limit, startingAfter, context.RequestAborted);
        return page is null
            ? new ErrorResult<Status400>(NoSuchEndpoint(startingAfter!, "starting_after"))
            : new JsonOk<ListResource<WebhookEndpointResource>>(
                new ListResource<WebhookEndpointResource>("list", page.Data.Select(e => e.ToResource()).ToList(), page.HasMore, "/v1/webhook_endpoints"),
                WebhooksJson.Wire.ListResourceWebhookEndpointResource);
    }

    private static async Task<Results<JsonOk<ListResource<WebhookAttemptResource>>, ErrorResult<Status400>, ErrorResult<Status404>>> ListAttemptsAsync(
        HttpContext context, string id, WebhookStore store)
    {
        var (limit, startingAfter) = ReadListQuery(context.Request);
        if (await store.FindEndpointAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted) is null)
        {
            return new ErrorResult<Status404>(NoSuchEndpoint(id, "id"));
        }

        var page = await store.ListAttemptsAsync(id, limit, startingAfter, context.RequestAborted);
        return page is null
            ? new ErrorResult<Status400>(new ErrorBody(ErrorTypes.InvalidRequest, "resource_missing", $"No such attempt: '{startingAfter}'.", "starting_after"))
            : new JsonOk<ListResource<WebhookAttemptResource>>(
                new ListResource<WebhookAttemptResource>("list", page.Data.Select(a => a.ToResource()).ToList(), page.HasMore, $"/v1/webhook_endpoints/{id}/attempts"),
                WebhooksJson.Wire.ListResourceWebhookAttemptResource);
    }

    private static ErrorBody NoSuchEndpoint(string id, string param) =>
        new(ErrorTypes.InvalidRequest, "resource_missing", $"No such webhook endpoint: '{id}'.", param);

    private static (int Limit, string? StartingAfter) ReadListQuery(HttpRequest request)
    {
        var limit = 10;
        if (request.Query.TryGetValue("limit", out var limitValues)
            && (limitValues.Count != 1 || !int.TryParse(limitValues[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > PaymentService.MaxListLimit))
        {
            throw ApiException.Invalid("parameter_invalid", $"limit must be an integer between 1 and {PaymentService.MaxListLimit}.", "limit");
        }

        string? startingAfter = null;
        if (request.Query.TryGetValue("starting_after", out var afterValues))
        {
            if (afterValues.Count != 1 || string.IsNullOrEmpty(afterValues[0]) || afterValues[0]!.Length > 255)
            {
                throw ApiException.Invalid("parameter_invalid", "starting_after must be one object id.", "starting_after");
            }

            startingAfter = afterValues[0];
        }

        return (limit, startingAfter);
    }

    private sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options)
        {
            var failures = options.Validate().ToList();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>Endpoint metadata: a POST that does not take an Idempotency-Key (the document does not offer one).</summary>
public sealed class WithoutIdempotencyKey;
