using System.Net;
using System.Net.Sockets;
using System.Text;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class SocketConnectionTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private RequestCorpus _corpus = null!;
    private int _accepted;

    private IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    public Task InitializeAsync()
    {
        _listener.Start();
        Assert.True(BenchTarget.TryCreate("url", $"http://127.0.0.1:{Endpoint.Port}", false, "/v1/decisions", out var target, out _));
        _corpus = RequestCorpus.Build(target!, EventBodies.FromGenerator(seed: 1, count: 16));
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Accepts one connection and answers each request with the next of <paramref name="responses"/> (null: hang up).</summary>
    private async Task ServeAsync(params string?[] responses)
    {
        using var client = await _listener.AcceptTcpClientAsync();
        Interlocked.Increment(ref _accepted);
        var stream = client.GetStream();
        foreach (var response in responses)
        {
            await ReadRequestAsync(stream);
            if (response is null)
            {
                return;
            }

            var bytes = Encoding.ASCII.GetBytes(response);
            var half = bytes.Length / 2;
            await stream.WriteAsync(bytes.AsMemory(0, half));
            await stream.FlushAsync();
            await stream.WriteAsync(bytes.AsMemory(half));
        }

        // Keep the connection until the client closes it.
        var buffer = new byte[1];
        while (await stream.ReadAsync(buffer) > 0)
        {
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _requests = new();

    private async Task ReadRequestAsync(NetworkStream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await stream.ReadAsync(buffer);
            Assert.NotEqual(0, n);
            received.AddRange(buffer.AsSpan(0, n).ToArray());
            var text = Encoding.ASCII.GetString([.. received]);
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                continue;
            }

            var lengthLine = text[..headEnd].Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.Ordinal));
            var length = int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (received.Count >= headEnd + 4 + length)
            {
                Assert.StartsWith("POST /v1/decisions HTTP/1.1\r\n", text, StringComparison.Ordinal);
                Assert.Contains("Content-Type: application/json\r\n", text, StringComparison.Ordinal);
                _requests.Enqueue(text);
                return;
            }
        }
    }

    [Fact]
    public async Task ExchangeAsync_StampedCorpus_SendsEachRequestsStartInItsOwnCopy()
    {
        Assert.True(BenchTarget.TryCreate("url", $"http://127.0.0.1:{Endpoint.Port}", false, "/v1/decisions", out var target, out _));
        var corpus = RequestCorpus.Build(target!, EventBodies.FromGenerator(seed: 1, count: 16), stamped: true);
        const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        var server = ServeAsync(Ok, Ok);
        using var connection = new SocketConnection(Endpoint, corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal(ExchangeOutcome.Status(200), await connection.ExchangeAsync(3, 1_764_244_800_000_001));
        Assert.Equal(ExchangeOutcome.Status(200), await connection.ExchangeAsync(4, 1_764_244_800_250_000));
        connection.Dispose();
        await server;

        var requests = _requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Contains("\r\nX-Request-Start: t=1764244800000001\r\n", requests[0], StringComparison.Ordinal);
        Assert.Contains("\r\nX-Request-Start: t=1764244800250000\r\n", requests[1], StringComparison.Ordinal);
        Assert.EndsWith(Encoding.ASCII.GetString(corpus.Body(4).Span), requests[1], StringComparison.Ordinal);

        // The shared corpus itself is untouched: other connections stamp their own copies.
        Assert.Contains("X-Request-Start: t=0000000000000000\r\n", Encoding.ASCII.GetString(corpus.Request(3).Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExchangeAsync_KeepAliveResponses_ReturnStatusesOnOneConnection()
    {
        var server = ServeAsync(
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Type: application/json\r\n\r\n{\"ok\":true}",
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");
        using var connection = new SocketConnection(Endpoint, _corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ExchangeOutcome.Status(200), await connection.ExchangeAsync(0, 0));
        Assert.Equal(ExchangeOutcome.Status(503, retryAfter: true), await connection.ExchangeAsync(1, 0));
        Assert.True(connection.IsConnected);
        connection.Dispose();
        await server;
        Assert.Equal(1, _accepted);
    }

    [Fact]
    public async Task ExchangeAsync_ConnectionClose_ClosesAfterTheResponse()
    {
        var server = ServeAsync("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
        using var connection = new SocketConnection(Endpoint, _corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ExchangeOutcome.Status(200), await connection.ExchangeAsync(0, 0));
        Assert.False(connection.IsConnected);
        await server;
    }

    [Fact]
    public async Task ExchangeAsync_ServerHangsUp_IsAReadError()
    {
        var server = ServeAsync([null]);
        using var connection = new SocketConnection(Endpoint, _corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ExchangeOutcome.Failed(BenchError.Read), await connection.ExchangeAsync(0, 0));
        Assert.False(connection.IsConnected);
        await server;
    }

    [Fact]
    public async Task ExchangeAsync_NotHttp_IsAProtocolError()
    {
        var server = ServeAsync("SSH-2.0-OpenSSH_9.6\r\n\r\n");
        using var connection = new SocketConnection(Endpoint, _corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(ExchangeOutcome.Failed(BenchError.Protocol), await connection.ExchangeAsync(0, 0));
        Assert.False(connection.IsConnected);
        await server;
    }

    [Fact]
    public async Task Abort_WhileWaitingForAResponse_FailsTheExchange()
    {
        var accepted = _listener.AcceptTcpClientAsync();
        using var connection = new SocketConnection(Endpoint, _corpus);
        Assert.True(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        using var silent = await accepted;
        var exchange = connection.ExchangeAsync(0, 0).AsTask();
        await ReadRequestAsync(silent.GetStream());
        Assert.False(exchange.IsCompleted);
        connection.Abort();
        Assert.Equal(ExchangeOutcome.Failed(BenchError.Read), await exchange);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_IsFalse()
    {
        var port = Endpoint.Port;
        _listener.Stop();
        using var connection = new SocketConnection(new IPEndPoint(IPAddress.Loopback, port), _corpus);
        Assert.False(await connection.ConnectAsync(TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.False(connection.IsConnected);
        Assert.Equal(ExchangeOutcome.Failed(BenchError.Write), await connection.ExchangeAsync(0, 0));
    }
}
