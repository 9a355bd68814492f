using System.Net.Sockets;
using System.Text;

namespace Payments.Api.Tests.Hosting;

/// <summary>
/// What docs/api.md says of requests Kestrel refuses before the application sees them: its own
/// status with an empty body, and the connection closed. Raw bytes over a socket to the real process,
/// since an HTTP client would not send them.
/// </summary>
public sealed class KestrelLimitsTests : IDisposable
{
    private readonly ScratchDirectory scratch = new("kestrel-limits-");

    public void Dispose() => scratch.Dispose();

    [Fact]
    public async Task Malformed_and_oversized_requests_get_Kestrels_empty_answers()
    {
        using var service = await StartAsync();

        foreach (var (name, request, status) in new (string, byte[], string)[]
        {
            ("NUL in the target", [.. "GET /v1/bal"u8, 0, .. "ance HTTP/1.1\r\nHost: x\r\n\r\n"u8], "400 Bad Request"),
            ("invalid UTF-8 in the target", [.. "GET /v1/b"u8, 0xFF, .. "al HTTP/1.1\r\nHost: x\r\n\r\n"u8], "400 Bad Request"),
            ("invalid method token", "G@T /v1/balance HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), "400 Bad Request"),
            ("NUL in a header value", [.. "GET /v1/balance HTTP/1.1\r\nHost: x\r\nX-A: "u8, 0, .. "\r\n\r\n"u8], "400 Bad Request"),
            ("request line over 8 KB", Encoding.ASCII.GetBytes("GET /v1/balance?" + new string('a', 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), "414 URI Too Long"),
            ("headers over 32 KB", Encoding.ASCII.GetBytes("GET /v1/balance HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n"), "431 Request Header Fields Too Large"),
        })
        {
            var answer = await SendRawAsync(service.Port, request);

            Assert.True(answer.StartsWith($"HTTP/1.1 {status}\r\n", StringComparison.Ordinal), $"{name}: {answer}");
            Assert.Contains("\r\nContent-Length: 0\r\n", answer, StringComparison.Ordinal);
            Assert.Contains("\r\nConnection: close\r\n", answer, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\n", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_that_arrives_too_slowly_is_a_408_error_object_the_served_document_lists()
    {
        using var service = await StartAsync();

        // Five bytes of a promised fifty, then nothing: Kestrel's minimum data rate (240 B/s after a 5 s grace) ends it.
        var answer = await SendRawAsync(service.Port, Encoding.ASCII.GetBytes(
            $"POST /v1/payments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ApiKey}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"amo"), TimeSpan.FromSeconds(30));

        Assert.True(answer.StartsWith("HTTP/1.1 408 Request Timeout\r\n", StringComparison.Ordinal), answer);
        Assert.Contains("\r\nContent-Type: application/json\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"invalid_request_error\"", answer, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{service.Port}") };
        using var document = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        Assert.True(document.RootElement.GetProperty("paths").GetProperty("/v1/payments").GetProperty("post").GetProperty("responses").TryGetProperty("408", out _));
    }

    private const string ApiKey = "sk_test_limits_0123456789";

    private async Task<ServiceProcess> StartAsync()
    {
        var service = ServiceProcess.Start(scratch.Path, new Dictionary<string, string>
        {
            ["Payments__Store"] = "Sqlite",
            ["ConnectionStrings__Payments"] = $"Data Source={Path.Combine(scratch.Path, "payments.db")}",
            ["Payments__Merchants__0__Id"] = "acct_limits",
            ["Payments__Merchants__0__ApiKey"] = ApiKey,
            ["Payments__TransactionLog__RelayEnabled"] = "false",
        });
        try
        {
            await service.WaitUntilReadyAsync();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="request"/> and reads until the server closes the connection.</summary>
    private static async Task<string> SendRawAsync(int port, byte[] request, TimeSpan? wait = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var stream = client.GetStream();
        await stream.WriteAsync(request);
        using var timeout = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(10));
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer, timeout.Token);
        return Encoding.ASCII.GetString(answer.ToArray());
    }
}
