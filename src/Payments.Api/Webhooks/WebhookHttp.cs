using System.Net;
using System.Net.Sockets;

namespace Payments.Api.Webhooks;

/// <summary>
/// The HTTP client deliveries go out on. Its connect step resolves the host itself and connects only
/// to addresses <see cref="WebhookUrlPolicy.MayConnect"/> allows, checking the socket's actual remote
/// address once connected: the name is resolved again for every new connection, so a host that
/// re-points its DNS to an internal address after registration (rebinding) is refused there. No proxy
/// (it would be the address connected to) and no redirects (a 3xx could point anywhere).
/// </summary>
public static class WebhookHttp
{
    public static HttpClient CreateClient(WebhookUrlPolicy policy, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var lookup = resolve ?? Dns.GetHostAddressesAsync;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ConnectCallback = (context, cancellationToken) => ConnectAsync(policy, lookup, context, cancellationToken),
        };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static async ValueTask<Stream> ConnectAsync(
        WebhookUrlPolicy policy, Func<string, CancellationToken, Task<IPAddress[]>> resolve, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var addresses = IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal) ? [literal] : await resolve(endpoint.Host, cancellationToken);
        var allowed = addresses.Where(policy.MayConnect).ToList();
        if (allowed.Count == 0)
        {
            throw new WebhookAddressRefusedException(
                $"{endpoint.Host} resolves only to non-public addresses ({string.Join(", ", addresses.Select(a => a.ToString()))}); not connecting");
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                if (socket.RemoteEndPoint is not IPEndPoint remote || !policy.MayConnect(remote.Address))
                {
                    throw new WebhookAddressRefusedException($"connected to {socket.RemoteEndPoint}, a non-public address; closing");
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}

/// <summary>A delivery refused by the address rule at connect time.</summary>
public sealed class WebhookAddressRefusedException : IOException
{
    public WebhookAddressRefusedException(string message)
        : base(message)
    {
    }

    public WebhookAddressRefusedException()
    {
    }

    public WebhookAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
