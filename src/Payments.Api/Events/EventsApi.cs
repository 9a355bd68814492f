using Payments.Api.TransactionLog;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Payments.Api.Http;
using Payments.Api.Merchants;
using Payments.Api.Payments;

namespace Payments.Api.Events;

public static class EventsApi
{
    // Unix seconds within what a timestamp can hold (up to the end of year 9999).
    private const long MaxUnixSeconds = 253_402_300_799;

    private static readonly string[] ListParameters = ["limit", "starting_after", "type", "created_gte", "created_lt"];

    /// <summary>Maps <c>/v1/events</c> on the authenticated <c>/v1</c> group (<see cref="PaymentsApi.MapPaymentsApi"/>).</summary>
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/events", ListAsync).WithName("ListEvents").WithTags("events").WithQueryParameters(ListParameters).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var parameter in ListParameterDescriptions())
            {
                if (!operation.Parameters.Any(p => p.Name == parameter.Name))
                {
                    operation.Parameters.Add(parameter);
                }
            }

            return Task.CompletedTask;
        });
        v1.MapGet("/events/{id}", GetAsync).WithName("GetEvent").WithTags("events");
        return v1;
    }

    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddTransactionLogStore();
        services.AddSingleton<EventStore>();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Add(EventsJsonContext.Default));
        return services;
    }

    private static async Task<Results<JsonOk<EventResource>, ErrorResult<Status404>>> GetAsync(HttpContext context, string id, EventStore events)
    {
        RejectUnknownQuery(context.Request, []);
        return await events.FindAsync(MerchantAuthenticationFilter.MerchantId(context), id, context.RequestAborted) is { } found
            ? new JsonOk<EventResource>(found.ToResource(), EventsJson.Wire.EventResource)
            : new ErrorResult<Status404>(NoSuchEvent(id, "id"));
    }

    private static async Task<Results<JsonOk<ListResource<EventResource>>, ErrorResult<Status400>>> ListAsync(HttpContext context, EventStore events)
    {
        var request = context.Request;
        RejectUnknownQuery(request, ListParameters);
        var limit = 10;
        if (Single(request, "limit") is { } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > PaymentService.MaxListLimit))
        {
            throw ApiException.Invalid("parameter_invalid", $"limit must be an integer between 1 and {PaymentService.MaxListLimit}.", "limit");
        }

        var startingAfter = Single(request, "starting_after");
        if (startingAfter is { Length: 0 or > 255 })
        {
            throw ApiException.Invalid("parameter_invalid", "starting_after must be one object id.", "starting_after");
        }

        var type = Single(request, "type");
        if (type is not null && !EventTypes.All.Contains(type, StringComparer.Ordinal))
        {
            throw ApiException.Invalid("parameter_invalid", $"type must be one of {string.Join(", ", EventTypes.All)}.", "type");
        }

        var filter = new EventFilter(type, UnixSeconds(request, "created_gte"), UnixSeconds(request, "created_lt"));
        var page = await events.ListAsync(MerchantAuthenticationFilter.MerchantId(context), filter, limit, startingAfter, context.RequestAborted);
        if (page is null)
        {
            return new ErrorResult<Status400>(NoSuchEvent(startingAfter!, "starting_after"));
        }

        var list = new ListResource<EventResource>("list", page.Data.Select(e => e.ToResource()).ToList(), page.HasMore, "/v1/events");
        return new JsonOk<ListResource<EventResource>>(JsonSerializer.SerializeToUtf8Bytes(list, EventsJson.Wire.ListResourceEventResource));
    }

    private static IEnumerable<OpenApiParameter> ListParameterDescriptions()
    {
        static OpenApiParameter Query(string name, string description, OpenApiSchema schema) =>
            new() { Name = name, In = ParameterLocation.Query, Required = false, Description = description, Schema = schema };

        yield return Query("limit", "How many events to return, newest first.", new OpenApiSchema
        {
            Type = JsonSchemaType.Integer, Format = "int32", Minimum = "1",
            Maximum = PaymentService.MaxListLimit.ToString(CultureInfo.InvariantCulture), Default = JsonValue.Create(10),
        });
        yield return Query("starting_after", "The id of the last event of the previous page.", new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 255 });
        yield return Query("type", "Only events of this type.", new OpenApiSchema
        {
            Type = JsonSchemaType.String, Enum = EventTypes.All.Select(t => (JsonNode)JsonValue.Create(t)).ToList(),
        });
        yield return Query("created_gte", "Only events created at or after this time (Unix seconds).", new OpenApiSchema
        {
            Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0", Maximum = MaxUnixSeconds.ToString(CultureInfo.InvariantCulture),
        });
        yield return Query("created_lt", "Only events created before this time (Unix seconds).", new OpenApiSchema
        {
            Type = JsonSchemaType.Integer, Format = "int64", Minimum = "0", Maximum = MaxUnixSeconds.ToString(CultureInfo.InvariantCulture),
        });
    }

    private static ErrorBody NoSuchEvent(string id, string param) =>
        new(ErrorTypes.InvalidRequest, "resource_missing", $"No such event: '{id}'.", param);

    private static string? Single(HttpRequest request, string name)
    {
        if (!request.Query.TryGetValue(name, out var values))
        {
            return null;
        }

        return values.Count == 1 && values[0] is { } value
            ? value
            : throw ApiException.Invalid("parameter_invalid", $"{name} must be given once.", name);
    }

    private static long? UnixSeconds(HttpRequest request, string name)
    {
        if (Single(request, name) is not { } text)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxUnixSeconds
            ? seconds
            : throw ApiException.Invalid("parameter_invalid", $"{name} must be a unix timestamp in seconds (a non-negative integer).", name);
    }

    private static void RejectUnknownQuery(HttpRequest request, string[] allowed)
    {
        foreach (var key in request.Query.Keys)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                throw ApiException.Invalid("parameter_unknown", $"Received unknown parameter: {key}.", key);
            }
        }
    }
}
