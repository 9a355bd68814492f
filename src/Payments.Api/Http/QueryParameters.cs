namespace Payments.Api.Http;

/// <summary>
/// The query parameters a route reads, as endpoint metadata: the group's filter rejects every other
/// name with <c>parameter_unknown</c> (so <c>POST …/refunds?amount=1</c> is refused, not ignored), and
/// the OpenAPI document lists them.
/// </summary>
public sealed class QueryParameters
{
    private QueryParameters(IReadOnlyList<string> names, bool isChecked)
    {
        Names = names;
        IsChecked = isChecked;
    }

    /// <summary>Routes without this metadata take no query parameters.</summary>
    public static QueryParameters None { get; } = new([], true);

    /// <summary>For the <c>/v1</c> fallback: an unknown URL is a 404 whatever its query says.</summary>
    public static QueryParameters Unchecked { get; } = new([], false);

    public IReadOnlyList<string> Names { get; }

    public bool IsChecked { get; }

    public static QueryParameters Of(params string[] names) => new(names, true);
}

/// <summary>Rejects query parameters the route does not declare (<see cref="QueryParameters"/>).</summary>
public sealed class UnknownQueryParameterFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var declared = http.GetEndpoint()?.Metadata.GetMetadata<QueryParameters>() ?? QueryParameters.None;
        if (declared.IsChecked)
        {
            foreach (var key in http.Request.Query.Keys)
            {
                if (!declared.Names.Contains(key, StringComparer.Ordinal))
                {
                    throw ApiException.Invalid("parameter_unknown", $"Received unknown parameter: {key}.", key);
                }
            }
        }

        return next(context);
    }
}

public static class QueryParametersExtensions
{
    /// <summary>Declares the query parameters <paramref name="builder"/>'s route reads.</summary>
    public static TBuilder WithQueryParameters<TBuilder>(this TBuilder builder, params string[] names)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(QueryParameters.Of(names));
}
