using System.Net;
using System.Net.Sockets;

namespace Jiangwanli.Tests.Shared;

/// <summary>Free loopback ports: bind port 0, read what the OS gave, release it. Linked from tests/Shared.</summary>
internal static class FreePorts
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// Two free ports that differ: both are held at once while the OS picks them. Two calls of <see cref="Next"/> may
    /// return the same port (the first is released before the second is picked), which made a server refuse to start
    /// with "port … is also a public port" in one CI run.
    /// </summary>
    public static (int First, int Second) Pair()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        var ports = (((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port);
        first.Stop();
        second.Stop();
        return ports;
    }
}
