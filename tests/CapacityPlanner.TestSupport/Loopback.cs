using System.Net;
using System.Net.Sockets;

namespace CapacityPlanner.TestSupport;

/// <summary>Loopback networking for tests that start servers or rank groups of their own.</summary>
public static class Loopback
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
