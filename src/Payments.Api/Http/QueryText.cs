namespace Payments.Api.Http;

/// <summary>
/// A NUL in a query parameter (<c>?starting_after=%00</c>) is refused for every route before it runs: no parameter
/// takes one, and PostgreSQL fails any statement that compares text holding one (SQLSTATE 22021), which would reach
/// the client as a 500 on that store and as an unknown id on SQLite.
/// </summary>
public static class QueryText
{
    public static IApplicationBuilder UseQueryWithoutNul(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // Kestrel refuses a raw NUL in the request target; only the percent-encoded one gets this far.
            if (context.Request.QueryString.Value is { } query && query.Contains("%00", StringComparison.Ordinal))
            {
                foreach (var (name, values) in context.Request.Query)
                {
                    if (name.Contains('\0', StringComparison.Ordinal) || values.Any(value => value?.Contains('\0', StringComparison.Ordinal) == true))
                    {
                        var shown = name.Replace("\0", "%00", StringComparison.Ordinal);
                        throw ApiException.Invalid("parameter_invalid", $"{shown} contains a NUL character (%00), which no parameter takes.", shown);
                    }
                }
            }

            return next(context);
        });
}
