using System.Net;
using System.Net.Sockets;

namespace Payments.Api.Webhooks;

/// <summary>
/// Which webhook URLs may be registered and which addresses a delivery may connect to, so that a
/// merchant cannot point the worker into the VPC (SSRF). HTTPS only; plain HTTP only in Development
/// and only to loopback. Outside Development every address a host resolves to must be public: not
/// private, loopback, link-local (the instance metadata service 169.254.169.254), CGNAT, unspecified,
/// multicast or reserved, in IPv4, IPv6 or an IPv6 form that embeds IPv4. The same check runs on the
/// address each delivery actually connects to (<see cref="WebhookHttp"/>), so DNS rebinding after
/// registration does not get around it.
/// </summary>
public sealed class WebhookUrlPolicy(bool isDevelopment, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
{
    public const int MaxUrlLength = 2048;

    private readonly Func<string, CancellationToken, Task<IPAddress[]>> resolve = resolve ?? Dns.GetHostAddressesAsync;

    public bool IsDevelopment { get; } = isDevelopment;

    /// <summary>Null when <paramref name="url"/> may be registered; otherwise the reason (code and message for the API's error).</summary>
    public async Task<(string Code, string Message)?> CheckAsync(string url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        // Uri.TryCreate is lenient: it keeps a NUL, a line break or a space inside a path as sent. None of them
        // belongs in a URL (RFC 3986 percent-encodes them), and a NUL cannot even be stored in PostgreSQL.
        if (url.AsSpan().IndexOfAnyInRange('\u0000', '\u0020') >= 0 || url.AsSpan().IndexOfAnyInRange('\u007F', '\u00A0') >= 0
            || url.Any(char.IsWhiteSpace))
        {
            return ("url_invalid", "url must not contain spaces or control characters; percent-encode them.");
        }

        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.HostNameType == UriHostNameType.Unknown || string.IsNullOrEmpty(uri.Host))
        {
            return ("url_invalid", $"url must be an absolute https URL of at most {MaxUrlLength} characters.");
        }

        // A DNS name has at most 253 characters (RFC 1035); the resolver throws on a longer one.
        if (uri.IdnHost.Length > 253 || uri.Port == 0)
        {
            return ("url_invalid", "url must name a host of at most 253 characters and a port from 1 to 65535.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return ("url_invalid", "url must not carry credentials (user:password@) or a fragment (#…).");
        }

        var isLoopbackName = uri.IsLoopback;
        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (!(IsDevelopment && isLoopbackName))
            {
                return ("url_invalid", "url must use https (http is accepted only in Development, to localhost).");
            }

            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return ("url_invalid", "url must use https.");
        }

        if (IsDevelopment)
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal) ? [literal] : await resolve(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return ("url_unresolvable", $"The host {uri.Host} does not resolve; webhook URLs must resolve to a public address.");
        }

        if (addresses.Length == 0)
        {
            return ("url_unresolvable", $"The host {uri.Host} does not resolve; webhook URLs must resolve to a public address.");
        }

        return addresses.FirstOrDefault(a => !IsPublic(a)) is { } forbidden
            ? ("url_forbidden", $"The host {uri.Host} resolves to {forbidden}, a private, loopback, link-local or otherwise non-public address; webhooks are only sent to public addresses.")
            : null;
    }

    /// <summary>Whether a delivery may connect to <paramref name="address"/> (Development: any address).</summary>
    public bool MayConnect(IPAddress address) => IsDevelopment || IsPublic(address);

    /// <summary>True for a globally routable unicast address.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return IsPublicV4(address.MapToIPv4());
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address),
            AddressFamily.InterNetworkV6 => IsPublicV6(address),
            _ => false,
        };
    }

    private static bool IsPublicV4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return !(b[0] == 0                                   // 0.0.0.0/8 "this network", unspecified
            || b[0] == 10                                    // 10/8 private
            || (b[0] == 100 && (b[1] & 0xC0) == 64)          // 100.64/10 carrier-grade NAT
            || b[0] == 127                                   // loopback
            || (b[0] == 169 && b[1] == 254)                  // link-local, instance metadata
            || (b[0] == 172 && (b[1] & 0xF0) == 16)          // 172.16/12 private
            || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // 192.0.0/24 IETF protocol assignments
            || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // TEST-NET-1
            || (b[0] == 192 && b[1] == 168)                  // 192.168/16 private
            || (b[0] == 198 && (b[1] & 0xFE) == 18)          // 198.18/15 benchmarking
            || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // TEST-NET-2
            || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // TEST-NET-3
            || b[0] >= 224);                                 // multicast, reserved, broadcast
    }

    private static bool IsPublicV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6Loopback)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
            || (b[0] & 0xFE) == 0xFC)                        // fc00::/7 unique local
        {
            return false;
        }

        // Forms that carry an IPv4 address: IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and below.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(12, 4)));
        }

        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(12, 4)));
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(2, 4)));
        }

        // IPv4-translated (::ffff:0:a.b.c.d, SIIT) carries one too.
        if (b.AsSpan(0, 8).IndexOfAnyExcept((byte)0) < 0 && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)
        {
            return IsPublicV4(new IPAddress(b.AsSpan(12, 4)));
        }

        // Local-use NAT64 (64:ff9b:1::/48) translates into whatever the operator's network holds: never public.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b[4] == 0x00 && b[5] == 0x01)
        {
            return false;
        }

        // Teredo (2001::/32) carries the client's IPv4 address in its last four bytes, inverted.
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00)
        {
            return IsPublicV4(new IPAddress([(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]]));
        }

        // Documentation prefix 2001:db8::/32 and the discard prefix 100::/64 are not on the internet.
        return !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)
            && !(b[0] == 0x01 && b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0);
    }
}
