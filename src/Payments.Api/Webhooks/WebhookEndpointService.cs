using Payments.Api.Events;
using Payments.Api.Http;

namespace Payments.Api.Webhooks;

/// <summary>Creates endpoints after the checks both the API and the dashboard apply (fields, then the URL rule).</summary>
public sealed class WebhookEndpointService(WebhookStore store, WebhookUrlPolicy policy, TimeProvider time)
{
    public const int MaxDescriptionLength = 1000;

    /// <summary>The created endpoint (with its secret), or the 400 error that says which field is wrong.</summary>
    public async Task<(WebhookEndpoint? Created, ErrorBody? Error)> CreateAsync(
        string merchantId, string? url, IReadOnlyList<string>? enabledEvents, string? description, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return (null, Invalid("parameter_missing", "url is required.", "url"));
        }

        if (enabledEvents is not { Count: > 0 } events)
        {
            return (null, Invalid("parameter_missing", $"enabled_events is required: a non-empty list of {string.Join(", ", EventTypes.All)}.", "enabled_events"));
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (!EventTypes.All.Contains(events[i], StringComparer.Ordinal))
            {
                return (null, Invalid("parameter_invalid", $"enabled_events[{i}] must be one of {string.Join(", ", EventTypes.All)}.", $"enabled_events[{i}]"));
            }
        }

        if (description is not null && (description.EnumerateRunes().Count() > MaxDescriptionLength || description.Contains('\0', StringComparison.Ordinal)))
        {
            return (null, Invalid("parameter_invalid", $"description must be at most {MaxDescriptionLength} characters of text.", "description"));
        }

        if (await policy.CheckAsync(url, cancellationToken) is { } refused)
        {
            return (null, Invalid(refused.Code, refused.Message, "url"));
        }

        var endpoint = new WebhookEndpoint(
            Ids.New("we_"), merchantId, url, string.IsNullOrEmpty(description) ? null : description, events.Distinct(StringComparer.Ordinal).ToList(),
            Ids.NewSecret("whsec_", 32), WebhookEndpoint.Enabled, time.GetUtcNow().ToUnixTimeSeconds(), null);
        await store.CreateEndpointAsync(endpoint, cancellationToken);
        return (endpoint, null);
    }

    private static ErrorBody Invalid(string code, string message, string param) => new(ErrorTypes.InvalidRequest, code, message, param);
}
