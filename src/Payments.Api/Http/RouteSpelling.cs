using Microsoft.AspNetCore.Routing.Patterns;

namespace Payments.Api.Http;

/// <summary>
/// The API answers its routes as the OpenAPI document spells them. ASP.NET Core routing ignores the case of a route's
/// words and a trailing slash, so <c>/V1/PAYMENTS/pay_1/capture/</c> would run the capture while the document (and so
/// every generated client) knows no such path, and an <c>Idempotency-Key</c> retried under the other spelling would
/// count as a different request. Another spelling of a <c>/v1</c> route is therefore the 404 of an unknown URL. The
/// dashboard, a browser's pages, keeps routing's tolerance.
/// </summary>
public static class RouteSpelling
{
    public static IApplicationBuilder UseDocumentedRouteSpelling(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
                && context.GetEndpoint() is RouteEndpoint route
                && !IsSpelledAs(route.RoutePattern, context.Request.RouteValues, context.Request.Path.Value))
            {
                // No endpoint: the status-code pages answer 404 resource_missing, as for any unknown URL.
                context.SetEndpoint(null);
            }

            return next(context);
        });

    /// <summary>
    /// Whether <paramref name="path"/> is <paramref name="pattern"/> spelled as written with these values, compared in
    /// place (this runs on every /v1 request). A pattern with a catch-all or optional parameter takes any spelling.
    /// </summary>
    public static bool IsSpelledAs(RoutePattern pattern, RouteValueDictionary values, ReadOnlySpan<char> path)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(values);
        var rest = path;
        foreach (var segment in pattern.PathSegments)
        {
            if (!Take(ref rest, "/"))
            {
                return false;
            }

            foreach (var part in segment.Parts)
            {
                var spelled = part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart { IsCatchAll: false, IsOptional: false } parameter => values[parameter.Name] as string,
                    _ => null,
                };
                if (spelled is null)
                {
                    return part is RoutePatternParameterPart;
                }

                if (!Take(ref rest, spelled))
                {
                    return false;
                }
            }
        }

        return rest.IsEmpty || (pattern.PathSegments.Count == 0 && rest is "/");
    }

    private static bool Take(ref ReadOnlySpan<char> rest, string expected)
    {
        if (!rest.StartsWith(expected, StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[expected.Length..];
        return true;
    }
}
