using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Payments.Api.Dashboard;

/// <summary>
/// Runs before every dashboard route: security headers; HTTPS outside Development (a page saying
/// so otherwise); same-origin POSTs only; the session from the cookie (sign-in page when there is
/// none); and on a signed-in POST the session's CSRF token in the form.
/// </summary>
public sealed class DashboardFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var request = http.Request;
        var services = http.RequestServices;
        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        DashboardApi.ApplySecurityHeaders(http.Response);
        var scheme = Scheme(request, options);
        var isPublic = DashboardApi.IsPublic(http.GetEndpoint());
        if (scheme != "https" && !services.GetRequiredService<IHostEnvironment>().IsDevelopment() && request.Path != "/dashboard/assets/dashboard.css")
        {
            return DashboardApi.Page(DashboardPages.HttpsRequired(), StatusCodes.Status403Forbidden);
        }

        var isPost = HttpMethods.IsPost(request.Method);
        if (isPost && !IsSameOrigin(request, scheme))
        {
            return Results.Text("Cross-origin form posts are refused.", "text/plain", statusCode: StatusCodes.Status403Forbidden);
        }

        if (isPublic)
        {
            return await next(context);
        }

        var token = request.Cookies[DashboardApi.CookieName];
        var session = token is { Length: > 0 and <= 200 }
            ? await services.GetRequiredService<DashboardSessions>().FindAsync(token, http.RequestAborted)
            : null;
        if (session is null)
        {
            return isPost
                ? Results.Text("Your session has ended; sign in again.", "text/plain", statusCode: StatusCodes.Status403Forbidden)
                : Results.Redirect("/dashboard/sign-in");
        }

        if (isPost)
        {
            var (form, refusal) = await DashboardApi.ReadFormAsync(http);
            if (form is null)
            {
                return refusal!;
            }

            var sent = form["csrf"].ToString();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(session.CsrfToken)))
            {
                return Results.Text("This form has expired or did not come from the dashboard; reload the page.", "text/plain", statusCode: StatusCodes.Status403Forbidden);
            }
        }

        DashboardApi.SetSession(http, session);
        return await next(context);
    }

    private static string Scheme(HttpRequest request, DashboardOptions options) =>
        options.TrustForwardedProto && request.Headers["X-Forwarded-Proto"].ToString() is { Length: > 0 } forwarded
            ? forwarded.Trim().ToLowerInvariant()
            : request.Scheme;

    /// <summary>
    /// The browser says where a form post came from (Origin, or Sec-Fetch-Site); a post from another
    /// site is refused even before the session's CSRF token is looked at.
    /// </summary>
    private static bool IsSameOrigin(HttpRequest request, string scheme)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
        {
            return string.Equals(origin, $"{scheme}://{request.Host.Value}", StringComparison.OrdinalIgnoreCase);
        }

        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return site.Length == 0 || site is "same-origin" or "none";
    }
}
