using System.Net;
using System.Net.Sockets;
using System.Text;
using Jiangwanli.Server.Hosting;
using Jiangwanli.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Tests.Hosting;

/// <summary>
/// <c>Jiangwanli:Limits:MaxConnections</c> over real sockets: connections under the cap are served, one over it is
/// closed before any response, the management port is not counted, and a freed place is taken again.
/// </summary>
public sealed class ConnectionLimitTests : IAsyncLifetime
{
    private static readonly byte[] s_request = Encoding.ASCII.GetBytes(
        "POST /v1/decisions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 26\r\n\r\n{\"user\":\"cap\",\"amount\":1}\n");

    private InProcessServer _server = null!;

    public async Task InitializeAsync()
        => _server = await InProcessServer.StartAsync(settings: new Dictionary<string, string?> { ["Jiangwanli:Limits:MaxConnections"] = "2" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Connect_OverTheCap_IsClosedWithoutAResponseAndAFreedPlaceIsTakenAgain()
    {
        var port = _server.Public.BaseAddress!.Port;
        using var first = await ConnectAsync(port);
        using var second = await ConnectAsync(port);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(first), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(second), StringComparison.Ordinal);

        // The third is accepted by the kernel, then closed by the server before it answers anything.
        using (var third = await ConnectAsync(port))
        {
            Assert.Equal(string.Empty, await ExchangeOrClosedAsync(third));
        }

        var limit = _server.Host.Services.GetRequiredService<ConnectionLimit>();
        Assert.True(limit.Rejected >= 1, $"rejected {limit.Rejected}");
        Assert.Equal(2, limit.Open);

        // The management port is not capped.
        using (var health = await _server.Management.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // Free a place; the server notices the close asynchronously, so a new connection is tried until it is served.
        first.Dispose();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var response = string.Empty;
        while (response.Length == 0 && DateTime.UtcNow < deadline)
        {
            using var next = await ConnectAsync(port);
            response = await ExchangeOrClosedAsync(next);
        }

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", await ExchangeAsync(second), StringComparison.Ordinal);
    }

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    private static async Task<string> ExchangeAsync(TcpClient client)
    {
        var stream = client.GetStream();
        await stream.WriteAsync(s_request);
        return await RawHttp.ReadResponseAsync(stream);
    }

    // A closed connection shows as an empty read, or as a reset on the write or the read.
    private static async Task<string> ExchangeOrClosedAsync(TcpClient client)
    {
        try
        {
            return await ExchangeAsync(client);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
