using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Payments.Api.Events;
using Payments.Api.Idempotency;
using Payments.Api.Merchants;
using Payments.Api.Payments;

namespace Payments.Api.Dashboard;

/// <summary>
/// The merchant dashboard under <c>/dashboard</c>: server-rendered pages over the same services the
/// API uses. Signing in exchanges the secret key (checked here, never kept by the browser) for a
/// server-side session (<see cref="DashboardSessions"/>) held in an HttpOnly, Secure,
/// SameSite=Strict cookie; <c>/v1</c> accepts only the bearer key, never this cookie.
/// </summary>
public static partial class DashboardApi
{
    public const string CookieName = "__Host-payments_dashboard";
    private const string SessionItem = "payments.dashboard_session";

    // No script and no inline style: nothing a merchant wrote could run even if it escaped encoding.
    private const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection("Payments:Dashboard"))
            .Validate(o => o.SessionHours is >= 1 and <= 24 * 30, "Payments:Dashboard:SessionHours must be between 1 and 720")
            .Validate(
                o => o.SignInFailuresPerAddress >= 1 && o.SignInFailuresPerKeyPrefix >= 1 && o.SignInFailureWindowMinutes is >= 1 and <= 24 * 60,
                "Payments:Dashboard:SignInFailuresPerAddress and SignInFailuresPerKeyPrefix must be at least 1, SignInFailureWindowMinutes between 1 and 1440")
            .ValidateOnStart();
        services.AddSingleton<DashboardSessions>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<DashboardQueries>();
        return services;
    }

    public static RouteGroupBuilder MapDashboard(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var dashboard = routes.MapGroup("/dashboard").AddEndpointFilter(new DashboardFilter()).ExcludeFromDescription();
        dashboard.MapGet("/", () => Results.Redirect("/dashboard/payments")).WithMetadata(Public);
        dashboard.MapGet("/assets/dashboard.css", Stylesheet).WithMetadata(Public);
        dashboard.MapGet("/sign-in", (HttpContext context) => Page(DashboardPages.SignIn(null))).WithMetadata(Public);
        dashboard.MapPost("/sign-in", SignInAsync).WithMetadata(Public);
        dashboard.MapPost("/sign-out", SignOutAsync);
        dashboard.MapGet("/payments", PaymentsAsync);
        dashboard.MapGet("/payments/{id}", PaymentAsync);
        dashboard.MapGet("/payments/{id}/confirm", ConfirmAsync);
        dashboard.MapPost("/payments/{id}/{action}", ActAsync);
        dashboard.MapGet("/balance", BalanceAsync);
        dashboard.MapDashboardWebhooks();
        dashboard.MapFallback(() => Results.Redirect("/dashboard/payments"));

        var lifetime = routes.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = routes.ServiceProvider.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var logger = routes.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Payments.Api.Dashboard");
            foreach (var address in addresses)
            {
                var dashboardAddress = address.TrimEnd('/') + "/dashboard";
                LogDashboardAddress(logger, dashboardAddress);
            }
        });
        return dashboard;
    }

    /// <summary>Marks the routes that need no session (sign-in, the stylesheet).</summary>
    private static readonly object Public = new PublicRoute();

    private sealed class PublicRoute;

    internal static bool IsPublic(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<PublicRoute>() is not null;

    internal static DashboardSession Session(HttpContext context) =>
        context.Items[SessionItem] as DashboardSession ?? throw new InvalidOperationException("the dashboard filter did not run on this route");

    internal static void SetSession(HttpContext context, DashboardSession session) => context.Items[SessionItem] = session;

    /// <summary>
    /// The posted form, or the answer to give when there is none to read: 415 for a body that is not a form, 400 for
    /// one the form readers refuse (a NUL or a broken escape in a value, a multipart part over its limits, a body
    /// cut short). Those are the client's doing; read directly, they would surface as a 500, or as the store-outage
    /// 503 that every <see cref="IOException"/> means elsewhere. The form is read once per request and kept.
    /// </summary>
    internal static async Task<(IFormCollection? Form, IResult? Refusal)> ReadFormAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return (null, Results.Text("Form posts only.", "text/plain", statusCode: StatusCodes.Status415UnsupportedMediaType));
        }

        try
        {
            return (await context.Request.ReadFormAsync(context.RequestAborted), null);
        }
        catch (InvalidDataException exception)
        {
            return (null, Results.Text($"The form could not be read: {exception.Message}", "text/plain", statusCode: StatusCodes.Status400BadRequest));
        }
        catch (IOException)
        {
            return (null, Results.Text("The form could not be read: the request body ended before the form did.", "text/plain", statusCode: StatusCodes.Status400BadRequest));
        }
    }

    internal static IResult Page(Html html, int status = StatusCodes.Status200OK) =>
        Results.Content(html.Value, "text/html; charset=utf-8", Encoding.UTF8, status);

    internal static void ApplySecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        // same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on our own form posts.
        headers["Referrer-Policy"] = "same-origin";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
        // Sent on plain HTTP too: TLS ends at the load balancer, so the service never sees https, and browsers
        // ignore the header on a connection that is not secure (RFC 6797), so a local http run is unaffected.
        headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
    }

    private static IResult Stylesheet(HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Text(StylesheetText.Value, "text/css; charset=utf-8");
    }

    private static readonly Lazy<string> StylesheetText = new(() =>
    {
        using var stream = typeof(DashboardApi).Assembly.GetManifestResourceStream("Dashboard/dashboard.css")
            ?? throw new InvalidOperationException("the dashboard stylesheet is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static async Task<IResult> SignInAsync(
        HttpContext context, MerchantStore merchants, DashboardSessions sessions, SignInThrottle throttle, TimeProvider time, IOptions<DashboardOptions> options)
    {
        var (form, refusal) = await ReadFormAsync(context);
        if (form is null)
        {
            return refusal!;
        }

        var key = form["key"].ToString().Trim();
        var address = SignInThrottle.ClientAddress(context, options.Value);
        var prefix = SignInThrottle.KeyPrefix(key);
        if (throttle.RetryAt(address, prefix) is { } retryAt)
        {
            return TooManySignIns(context, retryAt, time.GetUtcNow());
        }

        var merchantId = key.Length is > 0 and <= 200 ? await merchants.AuthenticateAsync(key, context.RequestAborted) : null;
        if (merchantId is null)
        {
            throttle.RecordFailure(address, prefix);
            return Page(DashboardPages.SignIn("That secret key was not accepted."), StatusCodes.Status401Unauthorized);
        }

        var lifetime = TimeSpan.FromHours(options.Value.SessionHours);
        var token = await sessions.StartAsync(merchantId, MerchantStore.HashKey(key), lifetime, context.RequestAborted);
        context.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            MaxAge = lifetime,
            IsEssential = true,
        });
        return Results.Redirect("/dashboard/payments", permanent: false, preserveMethod: false);
    }

    /// <summary>429 with <c>Retry-After</c> and the sign-in form saying when to try again (UTC and how long from now).</summary>
    private static IResult TooManySignIns(HttpContext context, DateTimeOffset retryAt, DateTimeOffset now)
    {
        var wait = retryAt - now;
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var minutes = (long)Math.Ceiling(seconds / 60.0);
        var message = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"Too many failed sign-ins. Try again at {retryAt.UtcDateTime:HH:mm:ss} UTC (in {minutes} minute{(minutes == 1 ? "" : "s")}).");
        return Page(DashboardPages.SignIn(message), StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, DashboardSessions sessions)
    {
        if (context.Request.Cookies[CookieName] is { } token)
        {
            await sessions.EndAsync(token, context.RequestAborted);
        }

        context.Response.Cookies.Delete(CookieName, new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/" });
        return Results.Redirect("/dashboard/sign-in");
    }

    private static async Task<IResult> PaymentsAsync(HttpContext context, PaymentService payments, DashboardQueries queries)
    {
        var session = Session(context);
        var query = PaymentsQuery.From(context.Request.Query);
        var currencies = await queries.CurrenciesAsync(session.MerchantId, context.RequestAborted);
        if (query.Id is { } id)
        {
            // An exact id goes straight to that payment when it is the merchant's.
            return await payments.GetAsync(session.MerchantId, id, context.RequestAborted) is not null
                ? Results.Redirect("/dashboard/payments/" + Uri.EscapeDataString(id))
                : Page(DashboardPages.PaymentsList(session, query, currencies, new Page<Payment>([], false), $"No payment has the ID {id}."), StatusCodes.Status404NotFound);
        }

        var (search, error) = query.ToSearch(currencies);
        if (search is null)
        {
            return Page(DashboardPages.PaymentsList(session, query, currencies, null, error), StatusCodes.Status400BadRequest);
        }

        var page = await queries.SearchAsync(session.MerchantId, search, 25, query.StartingAfter, context.RequestAborted);
        return page is null
            ? Page(DashboardPages.PaymentsList(session, query, currencies, null, "That page no longer exists; start from the first page."), StatusCodes.Status400BadRequest)
            : Page(DashboardPages.PaymentsList(session, query, currencies, page, null));
    }

    private static async Task<IResult> PaymentAsync(HttpContext context, string id, PaymentService payments, EventStore events, DashboardQueries queries)
    {
        var session = Session(context);
        if (await payments.GetAsync(session.MerchantId, id, context.RequestAborted) is not { } payment)
        {
            return Page(DashboardPages.NotFound(session, $"No payment has the ID {id}."), StatusCodes.Status404NotFound);
        }

        var refunds = await payments.ListRefundsAsync(session.MerchantId, id, PaymentService.MaxListLimit, null, context.RequestAborted);
        var refundList = refunds?.Data ?? [];
        var history = await events.ForPaymentAsync(session.MerchantId, id, refundList.Select(r => r.Id).ToList(), context.RequestAborted);
        var ledger = await queries.LedgerAsync(session.MerchantId, id, context.RequestAborted);
        var done = context.Request.Query["done"].ToString();
        var notice = done switch
        {
            "capture" => "Payment captured.",
            "cancel" => "Payment canceled.",
            "refund" => "Refund created.",
            _ => null,
        };
        var failed = context.Request.Query["failed"].ToString();
        var error = failed.Length == 0 ? null : FailureMessages.GetValueOrDefault(failed, "The change was not made.");
        return Page(DashboardPages.PaymentDetail(session, payment, refundList, history, ledger, notice, error));
    }

    private static async Task<IResult> ConfirmAsync(HttpContext context, string id, PaymentService payments)
    {
        var session = Session(context);
        if (await payments.GetAsync(session.MerchantId, id, context.RequestAborted) is not { } payment)
        {
            return Page(DashboardPages.NotFound(session, $"No payment has the ID {id}."), StatusCodes.Status404NotFound);
        }

        var query = context.Request.Query;
        var (action, error) = PaymentAction.Parse(query["action"].ToString(), query["amount"].ToString(), amountInMinorUnits: false, query["reason"].ToString(), payment);
        if (action is null)
        {
            return Page(DashboardPages.NotFound(session, error!), StatusCodes.Status400BadRequest);
        }

        // The key is made when the confirmation is shown: submitting that form twice (a double click,
        // a reload) replays the first answer instead of moving money twice.
        return Page(DashboardPages.Confirm(session, payment, action, Http.Ids.New("dash_", 32)));
    }

    private static async Task<IResult> ActAsync(HttpContext context, string id, string action, PaymentService payments)
    {
        var session = Session(context);
        if (await payments.GetAsync(session.MerchantId, id, context.RequestAborted) is not { } payment)
        {
            return Page(DashboardPages.NotFound(session, $"No payment has the ID {id}."), StatusCodes.Status404NotFound);
        }

        var (form, refusal) = await ReadFormAsync(context);
        if (form is null)
        {
            return refusal!;
        }

        var (parsed, error) = PaymentAction.Parse(action, form["amount"].ToString(), amountInMinorUnits: true, form["reason"].ToString(), payment);
        var key = form["idempotency_key"].ToString();
        if (parsed is null || key.Length is < 8 or > IdempotencyRequest.MaxKeyLength)
        {
            return Page(DashboardPages.NotFound(session, error ?? "The form is incomplete; go back to the payment and try again."), StatusCodes.Status400BadRequest);
        }

        var path = $"/v1/payments/{id}/{(parsed.Name == "refund" ? "refunds" : parsed.Name)}";
        // The same action with the same values hashes the same, so a resubmitted form is a replay.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"dashboard\n{parsed.Name}\n{parsed.Amount}\n{parsed.Reason}")));
        var idempotency = new IdempotencyRequest(key, "POST", path, hash);
        var outcome = parsed.Name switch
        {
            "capture" => await payments.CaptureAsync(session.MerchantId, id, parsed.Amount, idempotency, context.RequestAborted),
            "cancel" => await payments.CancelAsync(session.MerchantId, id, idempotency, context.RequestAborted),
            _ => await payments.RefundAsync(session.MerchantId, id, parsed.Amount, parsed.Reason, idempotency, context.RequestAborted),
        };
        var target = "/dashboard/payments/" + Uri.EscapeDataString(id);
        return outcome switch
        {
            PaymentOutcome.Changed or PaymentOutcome.Refunded or PaymentOutcome.Replayed => Results.Redirect($"{target}?done={parsed.Name}"),
            _ => Results.Redirect($"{target}?failed={FailureCode(outcome)}"),
        };
    }

    private static readonly Dictionary<string, string> FailureMessages = new(StringComparer.Ordinal)
    {
        ["state"] = "The payment is no longer in a state that allows this; it was changed meanwhile.",
        ["amount"] = "The amount is more than the payment allows.",
        ["refunded"] = "The payment is already fully refunded.",
        ["busy"] = "Another change of this payment is in progress; try again.",
    };

    private static string FailureCode(PaymentOutcome outcome) => outcome switch
    {
        PaymentOutcome.UnexpectedState => "state",
        PaymentOutcome.AmountTooLarge => "amount",
        PaymentOutcome.AlreadyRefunded => "refunded",
        _ => "busy",
    };

    private static async Task<IResult> BalanceAsync(HttpContext context, PaymentService payments)
    {
        var session = Session(context);
        return Page(DashboardPages.Balance(session, await payments.BalanceAsync(session.MerchantId, context.RequestAborted)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard: {Address} (sign in with a merchant's secret key)")]
    private static partial void LogDashboardAddress(ILogger logger, string address);
}
