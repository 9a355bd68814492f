using System.Net;
using System.Net.Sockets;
using Payments.Api.Webhooks;

namespace Payments.Api.Tests.Webhooks;

/// <summary>Which URLs may be registered and which addresses a delivery may connect to (SSRF).</summary>
public sealed class WebhookUrlPolicyTests
{
    [Theory]
    [InlineData("10.1.2.3")]            // private
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("127.0.0.1")]           // loopback
    [InlineData("127.8.9.10")]
    [InlineData("169.254.169.254")]     // link-local: the instance metadata service
    [InlineData("169.254.0.1")]
    [InlineData("100.64.0.1")]          // CGNAT 100.64/10
    [InlineData("100.127.255.254")]
    [InlineData("0.0.0.0")]             // unspecified
    [InlineData("224.0.0.1")]           // multicast
    [InlineData("239.255.255.250")]
    [InlineData("255.255.255.255")]     // broadcast
    [InlineData("198.18.0.1")]          // benchmarking
    [InlineData("::")]                  // IPv6 unspecified
    [InlineData("::1")]                 // IPv6 loopback
    [InlineData("fd00::1")]             // unique local fc00::/7
    [InlineData("fc12:3456::1")]
    [InlineData("fe80::1")]             // link-local
    [InlineData("ff02::1")]             // multicast
    [InlineData("::ffff:10.0.0.1")]     // IPv4-mapped private
    [InlineData("::ffff:127.0.0.1")]    // IPv4-mapped loopback
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::127.0.0.1")]         // IPv4-compatible
    [InlineData("64:ff9b::a9fe:a9fe")]  // NAT64 of 169.254.169.254
    [InlineData("2002:a00:1::1")]       // 6to4 of 10.0.0.1
    [InlineData("fd00:ec2::254")]       // the IPv6 metadata endpoint (unique local)
    [InlineData("::ffff:0:7f00:1")]     // IPv4-translated (SIIT) loopback
    [InlineData("::ffff:0:a9fe:a9fe")]  // IPv4-translated 169.254.169.254
    [InlineData("64:ff9b:1::a9fe:a9fe")] // local-use NAT64
    [InlineData("64:ff9b:1::808:808")]  // local-use NAT64, even of a public address
    [InlineData("2001:0:4136:e378:8000:63bf:f5ff:fffe")] // Teredo of 10.0.0.1
    public void Non_public_addresses_are_refused(string address)
    {
        Assert.False(WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)), address);
        Assert.False(new WebhookUrlPolicy(isDevelopment: false).MayConnect(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("100.128.0.1")]         // just outside 100.64/10
    [InlineData("172.32.0.1")]          // just outside 172.16/12
    [InlineData("2606:4700::6810:84e5")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("::ffff:0:808:808")]    // IPv4-translated 8.8.8.8
    [InlineData("2001:0:4136:e378:8000:63bf:f7f7:f7f7")] // Teredo of 8.8.8.8
    public void Public_addresses_are_allowed(string address) =>
        Assert.True(WebhookUrlPolicy.IsPublic(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("https://10.0.0.5/hook", "url_forbidden")]
    [InlineData("https://[::1]/hook", "url_forbidden")]
    [InlineData("https://[::ffff:169.254.169.254]/", "url_forbidden")]
    [InlineData("https://metadata.example/hook", "url_forbidden")]      // resolves to 169.254.169.254
    [InlineData("https://split.example/hook", "url_forbidden")]         // one public and one private address
    [InlineData("https://nowhere.example/hook", "url_unresolvable")]
    [InlineData("http://public.example/hook", "url_invalid")]
    [InlineData("http://localhost:8080/hook", "url_invalid")]           // http only in Development
    [InlineData("ftp://public.example/hook", "url_invalid")]
    [InlineData("https://user:pw@public.example/hook", "url_invalid")]
    [InlineData("/relative", "url_invalid")]
    [InlineData("https://public.example/\u0000", "url_invalid")]         // a NUL PostgreSQL cannot store
    [InlineData("https://public.example/a\r\nX-Injected: 1", "url_invalid")]
    [InlineData("https://public.example/a b", "url_invalid")]
    [InlineData("https://public.example/\u007F", "url_invalid")]
    [InlineData("https://public.example/\u00A0", "url_invalid")]
    [InlineData("https://public.example:0/", "url_invalid")]             // no delivery can reach port 0
    [InlineData("https://[::ffff:0:7f00:1]/", "url_forbidden")]
    [InlineData("https://[64:ff9b:1::a9fe:a9fe]/", "url_forbidden")]
    public async Task Outside_Development_refused_urls_get_a_code(string url, string code)
    {
        var policy = new WebhookUrlPolicy(isDevelopment: false, FakeDns);

        var refusal = await policy.CheckAsync(url, CancellationToken.None);

        Assert.Equal(code, refusal?.Code);
    }

    [Fact]
    public async Task A_host_longer_than_dns_allows_is_refused_before_it_reaches_the_resolver()
    {
        var asked = false;
        var policy = new WebhookUrlPolicy(isDevelopment: false, (host, token) =>
        {
            asked = true;
            return Dns.GetHostAddressesAsync(host, token);
        });
        var host = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".example";

        var refusal = await policy.CheckAsync($"https://{host}/hook", CancellationToken.None);

        Assert.Equal("url_invalid", refusal?.Code);
        Assert.False(asked);
    }

    [Fact]
    public async Task A_public_https_url_is_accepted()
    {
        Assert.Null(await new WebhookUrlPolicy(isDevelopment: false, FakeDns).CheckAsync("https://public.example/hooks/payments", CancellationToken.None));
    }

    [Theory]
    [InlineData("http://localhost:8080/hook", null)]
    [InlineData("http://127.0.0.1:8080/hook", null)]
    [InlineData("http://[::1]:8080/hook", null)]
    [InlineData("https://10.0.0.5/hook", null)]
    [InlineData("http://public.example/hook", "url_invalid")]            // http to anything but loopback
    [InlineData("http://10.0.0.5/hook", "url_invalid")]
    public async Task In_Development_http_is_allowed_to_loopback_only(string url, string? code)
    {
        var refusal = await new WebhookUrlPolicy(isDevelopment: true, FakeDns).CheckAsync(url, CancellationToken.None);

        Assert.Equal(code, refusal?.Code);
    }

    [Fact]
    public async Task A_delivery_connects_only_to_allowed_addresses_whatever_the_name_resolves_to_later()
    {
        // A name that passed registration and now resolves to loopback (DNS rebinding): the connect
        // step resolves again and refuses, and nothing reaches the listener.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = WebhookHttp.CreateClient(new WebhookUrlPolicy(isDevelopment: false), (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri($"http://rebound.example:{port}/hook"), new StringContent("{}")));

        Assert.IsType<WebhookAddressRefusedException>(failure.InnerException);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task A_literal_private_address_in_the_url_is_refused_at_connect_time_too()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = WebhookHttp.CreateClient(new WebhookUrlPolicy(isDevelopment: false));

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync(new Uri($"http://127.0.0.1:{port}/hook"), new StringContent("{}")));

        Assert.IsType<WebhookAddressRefusedException>(failure.InnerException);
        Assert.False(listener.Pending());
    }

    private static Task<IPAddress[]> FakeDns(string host, CancellationToken cancellationToken) => host switch
    {
        "public.example" => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14") }),
        "metadata.example" => Task.FromResult(new[] { IPAddress.Parse("169.254.169.254") }),
        "split.example" => Task.FromResult(new[] { IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.0.0.7") }),
        _ => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)),
    };
}
