using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Payments.Verification;

internal sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body, string Text)
{
    /// <summary>The body, or a failed check saying which call answered what.</summary>
    public JsonNode Expect(HttpStatusCode expected, string call)
    {
        if (Status != expected)
        {
            var error = Body?["error"] is JsonObject e ? $" {e["type"]}/{e["code"]}: {e["message"]}" : Text.Length > 200 ? $" {Text[..200]}…" : $" {Text}";
            var hint = Status == HttpStatusCode.Unauthorized
                ? " (the key must be the verification merchant's, and the running service must have been deployed with that merchant)"
                : "";
            throw new CheckFailedException($"{call}: expected HTTP {(int)expected}, got {(int)Status}{error}{hint}");
        }
        return Body ?? throw new CheckFailedException($"{call}: HTTP {(int)Status} without a JSON body");
    }
}

/// <summary>
/// The payments API as a merchant calls it, through the load balancer's production listener. With a TLS
/// host name the client dials the load balancer's own DNS name but sends and verifies that name (SNI, Host,
/// certificate), because no certificate carries the ALB's generated name.
/// </summary>
internal sealed class PaymentsClient : IDisposable
{
    private const int Attempts = 3;
    private readonly HttpClient http;

    public PaymentsClient(Uri apiUrl, string apiKey, string? tlsHostName, TimeSpan requestTimeout)
    {
        ArgumentNullException.ThrowIfNull(apiUrl);
        var handler = new SocketsHttpHandler { ConnectTimeout = requestTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
        var baseUri = apiUrl;
        if (tlsHostName is not null)
        {
            var dialHost = apiUrl.Host;
            baseUri = new UriBuilder(apiUrl) { Host = tlsHostName }.Uri;
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(dialHost, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        BaseUrl = baseUri;
        http = new HttpClient(handler) { BaseAddress = baseUri, Timeout = requestTimeout };
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("payments-post-deploy-verification", "1"));
        ApiKey = apiKey;
    }

    public Uri BaseUrl { get; }

    private string ApiKey { get; }

    public Task<ApiResponse> GetAsync(string path, bool authenticated, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, body: null, idempotencyKey: null, authenticated, cancellationToken);

    public Task<ApiResponse> PostAsync(string path, JsonObject? body, string idempotencyKey, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, idempotencyKey, authenticated: true, cancellationToken);

    // Retries a 503/429 or a transport error a few times: POSTs carry an Idempotency-Key, so a retried
    // request that did reach the service is answered from its stored first response, not repeated.
    private async Task<ApiResponse> SendAsync(HttpMethod method, string path, JsonObject? body, string? idempotencyKey, bool authenticated, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, path);
            if (authenticated)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            }
            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            try
            {
                using var response = await http.SendAsync(request, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (attempt < Attempts && response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests)
                {
                    await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
                    continue;
                }
                JsonNode? json = null;
                try
                {
                    json = text.Length == 0 ? null : JsonNode.Parse(text);
                }
                catch (System.Text.Json.JsonException)
                {
                    json = null;
                }
                return new ApiResponse(response.StatusCode, json, text);
            }
            catch (HttpRequestException) when (attempt < Attempts)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
            catch (TaskCanceledException error) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CheckFailedException($"{method} {path}: no answer within {http.Timeout.TotalSeconds:F0} s ({error.Message})");
            }
        }
    }

    public void Dispose() => http.Dispose();
}
