using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Payments.Api.Http;
using Payments.Api.Merchants;
using Payments.Api.Payments;

namespace Payments.Api.Events;

public static class EventsApi
{
    private static readonly string[] ListParameters = ["limit", "starting_after", "type", "created_gte", "created_lt"];

    /// <summary>Maps <c>/v1/events</c> on the authenticated <c>/v1</c> group (<see cref="PaymentsApi.MapPaymentsApi"/>).</summary>
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/events", ListAsync).WithName("ListEvents").WithTags("events");
        v1.MapGet("/events/{id}", GetAsync).WithName("GetEvent").WithTags("events");
        return v1;
    }

    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
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

        // Unix seconds within what a timestamp can hold (years 1 to 9999).
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= 253_402_300_799
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
