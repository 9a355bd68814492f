using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Time.Testing;
using Payments.Api.Storage;
using Payments.Api.Tests.Infrastructure;

namespace Payments.Api.Tests.Dashboard;

/// <summary>
/// Failed dashboard sign-ins are limited per client address and per key prefix: the limited client
/// gets a 429 page saying when to retry, while other clients — and, during an attack on a prefix, a
/// client that has not failed — still sign in. Behind the load balancer the address is the last
/// X-Forwarded-For entry (the one the ALB appends). Time is a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class SignInThrottleTests : IAsyncLifetime
{
    private const string WrongKey = "sk_test_not_a_key_of_anyone";

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero));
    private PaymentsApiFactory factory = null!;
    private WebApplicationFactory<Program> service = null!;

    public async Task InitializeAsync()
    {
        var settings = ApiFixture.MerchantAOnly();
        settings["Payments:Dashboard:TrustForwardedProto"] = "true";
        settings["Payments:Dashboard:TrustForwardedFor"] = "true";
        settings["Payments:Dashboard:SignInFailuresPerAddress"] = "3";
        settings["Payments:Dashboard:SignInFailuresPerKeyPrefix"] = "6";
        settings["Payments:Dashboard:SignInFailureWindowMinutes"] = "15";
        factory = await PaymentsApiFactory.CreateAsync(StoreKind.Sqlite, settings);
        service = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(time)));
    }

    public async Task DisposeAsync()
    {
        await service.DisposeAsync();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task An_address_that_keeps_failing_gets_a_429_page_saying_when_while_other_addresses_sign_in()
    {
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("203.0.113.7", WrongKey)).StatusCode);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        // Even the right key waits: the limit is on the address, before the key is looked at.
        var limited = await SignInAsync("203.0.113.7", ApiFixture.MerchantAKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.False(limited.Headers.Contains("Set-Cookie"));
        // The first failure (10:00) leaves the 15-minute window at 10:15; it is 10:03 now.
        Assert.Equal(TimeSpan.FromMinutes(12), limited.Headers.RetryAfter?.Delta);
        var page = await limited.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed sign-ins. Try again at 10:15:00 UTC (in 12 minutes).", page, StringComparison.Ordinal);
        Assert.Contains("role=\"alert\"", page, StringComparison.Ordinal);
        Assert.Contains("text/html", limited.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Single(limited.Headers.GetValues("Request-Id"));

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync("198.51.100.20", ApiFixture.MerchantAKey)).StatusCode);

        time.Advance(TimeSpan.FromMinutes(11) + TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("203.0.113.7", ApiFixture.MerchantAKey)).StatusCode);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync("203.0.113.7", ApiFixture.MerchantAKey)).StatusCode);
    }

    [Fact]
    public async Task Guesses_at_one_key_prefix_from_many_addresses_stop_each_guesser_but_not_a_client_that_has_not_failed()
    {
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync($"192.0.2.{i + 1}", WrongKey)).StatusCode);
        }

        // Each guesser has one failure, under its own limit of 3, but the prefix has had its 6.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("192.0.2.1", WrongKey)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("192.0.2.2", ApiFixture.MerchantAKey)).StatusCode);

        // A new address gets its one guess, then it is a guesser too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("192.0.2.50", WrongKey)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("192.0.2.50", WrongKey)).StatusCode);

        // The merchant, who has not failed, signs in with its key of the same prefix.
        Assert.StartsWith(WrongKey[..7], ApiFixture.MerchantAKey, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync("198.51.100.20", ApiFixture.MerchantAKey)).StatusCode);

        // Another prefix is not under attack.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync("192.0.2.3", "sk_live_something_else")).StatusCode);

        time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync("192.0.2.1", ApiFixture.MerchantAKey)).StatusCode);
    }

    [Fact]
    public async Task Behind_the_load_balancer_the_address_is_the_entry_it_appended_not_what_the_client_wrote()
    {
        // The client writes a different address in front each time; the ALB appends the one it saw.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync($"10.{i}.0.1, 203.0.113.9", WrongKey)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("10.9.9.9, 203.0.113.9", WrongKey)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("203.0.113.9", ApiFixture.MerchantAKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync("203.0.113.9, 198.51.100.30", ApiFixture.MerchantAKey)).StatusCode);
    }

    [Fact]
    public async Task Without_a_trusted_load_balancer_X_Forwarded_For_is_ignored()
    {
        using var direct = service.WithWebHostBuilder(builder => builder.UseSetting("Payments:Dashboard:TrustForwardedFor", "false"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync($"192.0.2.{i + 1}", WrongKey, direct)).StatusCode);
        }

        // All came from the one peer, whatever they claimed.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInAsync("192.0.2.200", ApiFixture.MerchantAKey, direct)).StatusCode);
    }

    private async Task<HttpResponseMessage> SignInAsync(string forwardedFor, string key, WebApplicationFactory<Program>? on = null)
    {
        using var client = (on ?? service).CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboard/sign-in")
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("key", key)]),
        };
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
