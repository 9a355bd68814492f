using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Dashboard;

/// <summary>
/// The dashboard's session and transport rules on both stores, over HTTP below the browser (the
/// browser flows are in Payments.Dashboard.Tests): the session lives in the database, the cookie
/// is strict, /v1 ignores it, posts need the session's token, and outside Development plain HTTP is
/// refused.
/// </summary>
public abstract partial class DashboardSessionTests(StoreKind store) : IAsyncLifetime
{
    private PaymentsApiFactory factory = null!;

    public async Task InitializeAsync()
    {
        var settings = ApiFixture.MerchantAOnly();
        // Tests run as "Testing" (not Development): HTTPS is required, and the test server speaks HTTP, so
        // the forwarded scheme is trusted here the way the load balancer's is on AWS.
        settings["Payments:Dashboard:TrustForwardedProto"] = "true";
        factory = await PaymentsApiFactory.CreateAsync(store, settings);
    }

    public async Task DisposeAsync() => await factory.DisposeAsync();

    [Fact]
    public async Task Sign_in_sets_a_strict_cookie_for_a_session_kept_hashed_in_the_database()
    {
        using var client = Browser();

        var wrong = await PostFormAsync(client, "/dashboard/sign-in", ("key", "sk_not_a_key"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));

        var signedIn = await PostFormAsync(client, "/dashboard/sign-in", ("key", ApiFixture.MerchantAKey));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
        var attributes = setCookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.Contains("httponly", attributes);
        Assert.Contains("secure", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain(attributes, a => a.StartsWith("domain", StringComparison.Ordinal));
        var token = setCookie.Split(';')[0].Split('=', 2)[1];

        // Only the token's hash is stored; the key is stored nowhere by the dashboard.
        Assert.Equal(1, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM dashboard_sessions"));
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, $"SELECT COUNT(*) FROM dashboard_sessions WHERE token_hash = '{token}' OR csrf_token = '{token}'"));

        var page = await GetAsync(client, "/dashboard/balance", token);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("max-age=31536000; includeSubDomains", page.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Contains(ApiFixture.MerchantAId, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // /v1 is bearer-key only: the dashboard's cookie opens nothing there.
        var api = await GetAsync(client, "/v1/payments", token);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        // A post without the session's token is refused; with it, sign-out ends the session in the database.
        var forged = await PostFormAsync(client, "/dashboard/sign-out", token, ("csrf", "csrf_wrong"));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        var csrf = CsrfField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var signedOut = await PostFormAsync(client, "/dashboard/sign-out", token, ("csrf", csrf));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM dashboard_sessions"));
        Assert.Equal("/dashboard/sign-in", (await GetAsync(client, "/dashboard/balance", token)).Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task An_expired_session_opens_nothing()
    {
        using var client = Browser();
        var signedIn = await PostFormAsync(client, "/dashboard/sign-in", ("key", ApiFixture.MerchantAKey));
        var token = signedIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];
        await StoreSql.ExecuteAsync(factory.Services, "UPDATE dashboard_sessions SET expires_at = 0");

        var page = await GetAsync(client, "/dashboard/payments", token);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/dashboard/sign-in", page.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Revoking_the_key_a_session_signed_in_with_ends_that_session_and_no_other()
    {
        var merchants = factory.Services.GetRequiredService<Api.Merchants.MerchantStore>();
        var revoked = await merchants.CreateKeyAsync(ApiFixture.MerchantAId, CancellationToken.None);
        using var client = Browser();
        var ended = await SignInAsync(client, revoked);
        var kept = await SignInAsync(client, ApiFixture.MerchantAKey);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/dashboard/balance", ended)).StatusCode);

        Assert.False((await merchants.RevokeAsync(revoked, CancellationToken.None))!.Value.AlreadyRevoked);

        var page = await GetAsync(client, "/dashboard/balance", ended);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/dashboard/sign-in", page.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/dashboard/balance", kept)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostFormAsync(client, "/dashboard/sign-in", ("key", revoked))).StatusCode);
    }

    [Fact]
    public async Task A_session_that_names_no_key_opens_nothing()
    {
        // Sessions started before migration 0009 (or by the release before it, during a deployment) name no key.
        using var client = Browser();
        var token = await SignInAsync(client, ApiFixture.MerchantAKey);
        await StoreSql.ExecuteAsync(factory.Services, "UPDATE dashboard_sessions SET key_hash = NULL");

        var page = await GetAsync(client, "/dashboard/balance", token);

        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/dashboard/sign-in", page.Headers.Location?.OriginalString);
    }

    private static async Task<string> SignInAsync(HttpClient client, string key)
    {
        var signedIn = await PostFormAsync(client, "/dashboard/sign-in", ("key", key));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return signedIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];
    }

    [Fact]
    public async Task Outside_Development_plain_HTTP_gets_a_page_saying_HTTPS_is_required()
    {
        using var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

        using var form = new HttpRequestMessage(HttpMethod.Get, "/dashboard/sign-in");
        var page = await client.SendAsync(form);
        using var post = new HttpRequestMessage(HttpMethod.Post, "/dashboard/sign-in")
        {
            Content = new FormUrlEncodedContent([new("key", ApiFixture.MerchantAKey)]),
        };
        var signIn = await client.SendAsync(post);

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Contains("HTTPS required", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.False(signIn.Headers.Contains("Set-Cookie"));
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM dashboard_sessions"));
    }

    [Theory]
    [InlineData("application/json", "{\"key\": \"sk_x\"}", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(null, "", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("application/x-www-form-urlencoded", "key=%00", HttpStatusCode.BadRequest)]
    [InlineData("multipart/form-data; boundary=zz", "no boundary ever comes", HttpStatusCode.BadRequest)]
    [InlineData("multipart/form-data; boundary=zz", "LONG", HttpStatusCode.BadRequest)]
    public async Task A_sign_in_body_that_is_no_readable_form_is_refused_as_the_clients_error(string? contentType, string body, HttpStatusCode expected)
    {
        using var client = Browser();
        // "LONG": more than the multipart reader's 16 KiB allowed before the first boundary.
        var response = await PostRawAsync(client, "/dashboard/sign-in", null, contentType, body == "LONG" ? new string('x', 20_000) : body);

        Assert.Equal(expected, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM dashboard_sessions"));
    }

    [Theory]
    [InlineData("/dashboard/payments/pay_any/capture", "amount=%00")]
    [InlineData("/dashboard/payments/pay_any/refund", "reason=%00&amount=1")]
    [InlineData("/dashboard/webhooks", "url=%00")]
    [InlineData("/dashboard/sign-out", "csrf=%00")]
    public async Task A_signed_in_post_whose_form_cannot_be_read_gets_a_400_and_changes_nothing(string path, string body)
    {
        using var client = Browser();
        var signedIn = await PostFormAsync(client, "/dashboard/sign-in", ("key", ApiFixture.MerchantAKey));
        var token = signedIn.Headers.GetValues("Set-Cookie").Single().Split(';')[0].Split('=', 2)[1];
        var csrf = CsrfField().Match(await (await GetAsync(client, "/dashboard/balance", token)).Content.ReadAsStringAsync()).Groups[1].Value;

        // The token is right; a value with a NUL in it is what no form reader accepts.
        var response = await PostRawAsync(client, path, token, "application/x-www-form-urlencoded", $"csrf={Uri.EscapeDataString(csrf)}&{body}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The form could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM dashboard_sessions"));
        Assert.Equal(0, await StoreSql.ScalarAsync(factory.Services, "SELECT COUNT(*) FROM webhook_endpoints"));
    }

    /// <summary>A client that looks like a browser behind the TLS-terminating load balancer.</summary>
    private HttpClient Browser()
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("X-Forwarded-Proto", "https");
        return client;
    }

    private static Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, params (string Name, string Value)[] fields) =>
        PostFormAsync(client, path, null, fields);

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string? token, params (string Name, string Value)[] fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        if (token is not null)
        {
            request.Headers.Add("Cookie", $"__Host-payments_dashboard={token}");
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PostRawAsync(HttpClient client, string path, string? token, string? contentType, string body)
    {
        using var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Add("Cookie", $"__Host-payments_dashboard={token}");
        }

        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", $"__Host-payments_dashboard={token}");
        return await client.SendAsync(request);
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}

public sealed class DashboardSessionTestsSqlite() : DashboardSessionTests(StoreKind.Sqlite);

public sealed class DashboardSessionTestsPostgres() : DashboardSessionTests(StoreKind.Postgres);
