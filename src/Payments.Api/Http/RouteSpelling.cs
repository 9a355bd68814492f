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
                && Spelled(route.RoutePattern, context.Request.RouteValues) is { } documented
                && !string.Equals(documented, context.Request.Path.Value, StringComparison.Ordinal))
            {
                // No endpoint: the status-code pages answer 404 resource_missing, as for any unknown URL.
                context.SetEndpoint(null);
            }

            return next(context);
        });

    /// <summary>The path as <paramref name="pattern"/> spells it with these values; null for a catch-all or optional parameter.</summary>
    public static string? Spelled(RoutePattern pattern, RouteValueDictionary values)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(values);
        var path = new System.Text.StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        path.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        path.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart { IsCatchAll: false, IsOptional: false } parameter when values[parameter.Name] is string value:
                        path.Append(value);
                        break;
                    default:
                        return null;
                }
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }
}
