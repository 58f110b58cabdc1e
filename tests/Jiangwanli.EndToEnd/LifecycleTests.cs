using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>Start-up refusals and graceful shutdown of the real process.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Sigterm_WithARequestInFlight_FinishesItClosesTheLogAndExitsZero()
    {
        using var data = new TempDirectory();
        var server = await JwlServer.StartAsync(dataDirectory: data.Path, durability: "fsync");
        await using var _ = server;

        // A request whose body is only half sent: in flight when SIGTERM arrives.
        var body = Encoding.UTF8.GetBytes("""{"id":"in-flight-1","user":"shutdown-1","amount":42}""");
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, server.PublicPort);
        var stream = client.GetStream();
        var head = $"POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body.AsMemory(0, 10));
        await stream.FlushAsync();

        await server.TerminateAsync();
        await WaitNotReadyAsync(server);

        await stream.WriteAsync(body.AsMemory(10));
        await stream.FlushAsync();
        var response = await RawHttp.ReadResponseAsync(stream);

        Assert.True(response.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), server.Log + "\n" + response);
        var json = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        using var decision = JsonDocument.Parse(json);
        var sequence = decision.RootElement.GetProperty("seq").GetInt64();

        var exit = await server.WaitForExitAsync();
        Assert.True(exit == 0, $"exit code {exit}\n{server.Log}");
        Assert.Contains("Stopped", server.Log, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            using var late = new TcpClient();
            await late.ConnectAsync(IPAddress.Loopback, server.PublicPort);
        });

        // The in-flight decision is in the log, and the log is whole.
        var verify = AuditVerifier.Verify(Path.Combine(data.Path, "audit"));
        Assert.True(verify.IsValid, verify.Failure?.Message);
        Assert.Equal((ulong)sequence, verify.LastSequence);
        using var reader = AuditReader.Open(Path.Combine(data.Path, "audit"), (ulong)sequence);
        Assert.True(reader.TryRead(out var record));
        Assert.Contains("in-flight-1", Encoding.UTF8.GetString(record.Payload.Span), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ManagementOnAllInterfacesWithoutToken_RefusesToStart()
    {
        using var data = new TempDirectory();
        var (publicPort, managementPort) = FreePorts.Pair();
        var (exit, _, error) = await Jwl.RunAsync(
            data.Path,
            TimeSpan.FromSeconds(60),
            "serve",
            "--urls", $"http://127.0.0.1:{publicPort}",
            "--management-urls", $"http://0.0.0.0:{managementPort}",
            "--data", data.Path);

        Assert.Equal(1, exit);
        Assert.Contains("not a loopback address", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortAlreadyInUse_ExitsOneWithAMessage()
    {
        using var data = new TempDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var (exit, output, error) = await Jwl.RunAsync(
            data.Path,
            TimeSpan.FromSeconds(60),
            "serve",
            "--urls", $"http://127.0.0.1:{port}",
            "--management-urls", $"http://127.0.0.1:{FreePorts.Next()}",
            "--data", data.Path);

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("cannot start", error, StringComparison.Ordinal);
    }

    private static async Task WaitNotReadyAsync(JwlServer server)
    {
        using var probe = new HttpClient { BaseAddress = server.Management.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();

        // Bounded: 20 s, polling every 20 ms until readiness drops or the listener is gone.
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            try
            {
                using var response = await probe.GetAsync("/readyz");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                return;
            }

            await Task.Delay(20);
        }

        throw server.Failure("still ready 20 s after SIGTERM");
    }
}
