using System.Net;
using System.Net.Sockets;

namespace Payments.TestSupport;

public static class FreePort
{
    /// <summary>A loopback TCP port nobody listens on right now (the operating system picks it).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
