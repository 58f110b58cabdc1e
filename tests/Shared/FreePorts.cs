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
}
