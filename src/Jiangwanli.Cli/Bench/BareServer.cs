using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The bare endpoint: Kestrel set up as the real server sets it up (slim builder, no Server header, routing), with one
/// <c>MapPost("/v1/decisions")</c> that reads and discards the body and answers a constant decision-shaped JSON body of
/// the size of a typical decision. No engine, no audit: the machine's HTTP path alone, the yardstick every other
/// throughput is divided by. It also serves <c>GET /debug/gc</c> in the server's shape, so that its GCs are measured
/// like the real server's.
/// </summary>
internal static class BareServer
{
    /// <summary>The response body size by default: a typical decision of the default pack.</summary>
    public const int DefaultBodyBytes = 330;

    /// <summary>The line printed on stdout once listening; the URL follows it.</summary>
    public const string ListeningBanner = "jwl-bare-server listening on ";

    private const string Path = "/v1/decisions";

    /// <summary>A decision-shaped JSON object of exactly <paramref name="size"/> bytes (padded with a <c>pad</c> field).</summary>
    public static byte[] ResponseBody(int size)
    {
        const string Head = "{\"id\":\"evt-0000000\",\"seq\":1000000,\"decision\":\"allow\",\"score\":0,\"reasons\":[],"
            + "\"features\":{\"user_txn_1h\":3,\"user_amount_24h\":182.4,\"device_users_24h\":1,\"ip_users_1h\":1,\"card_txn_24h\":2},"
            + "\"pack\":\"bare\",\"latency_us\":0.0,\"pad\":\"";
        const string Tail = "\"}";
        var padding = Math.Max(0, size - Head.Length - Tail.Length);
        return Encoding.ASCII.GetBytes(Head + new string('.', padding) + Tail);
    }

    /// <summary>Builds the bare server on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    public static WebApplication Build(int port, int bodyBytes)
    {
        var body = ResponseBody(bodyBytes);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.Listen(IPAddress.Loopback, port, static l => l.Protocols = HttpProtocols.Http1AndHttp2);
        });

        var app = builder.Build();
        app.MapPost(Path, (RequestDelegate)(http => AnswerAsync(http, body)));
        app.MapGet("/debug/gc", static http => WriteGcAsync(http));
        return app;
    }

    /// <summary>
    /// Runs the bare server until <paramref name="cancellationToken"/> fires, <paramref name="maxLifetime"/> passes, or
    /// process <paramref name="parentProcessId"/> exits; prints <see cref="ListeningBanner"/> and the URL when listening.
    /// </summary>
    public static async Task<int> RunAsync(int port, int bodyBytes, TimeSpan maxLifetime, int? parentProcessId, TextWriter output, CancellationToken cancellationToken)
    {
        await using var app = Build(port, bodyBytes);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var url = BoundUrl(app) ?? $"http://127.0.0.1:{port}";
        await output.WriteLineAsync(ListeningBanner + url).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lifetime.CancelAfter(maxLifetime);
        var stopped = Task.Delay(Timeout.Infinite, lifetime.Token);
        var parentGone = parentProcessId is { } parent ? WaitForExitAsync(parent, lifetime.Token) : Task.Delay(Timeout.Infinite, lifetime.Token);
        try
        {
            await Task.WhenAny(stopped, parentGone).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task AnswerAsync(HttpContext http, byte[] body)
    {
        var reader = http.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(http.RequestAborted).ConfigureAwait(false);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteGcAsync(HttpContext http)
    {
        var total = GC.CollectionCount(0);
        var gen1 = GC.CollectionCount(1);
        var gen2 = GC.CollectionCount(2);
        var info = GC.GetGCMemoryInfo();
        var json = string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{{\"collections\":{{\"gen0\":{total - gen1},\"gen1\":{gen1 - gen2},\"gen2\":{gen2},\"total\":{total}}},\"pauses\":{{\"totalMs\":{GC.GetTotalPauseDuration().TotalMilliseconds:0.###}}},\"heap\":{{\"sizeBytes\":{info.HeapSizeBytes},\"committedBytes\":{info.TotalCommittedBytes}}}}}");
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(json);
    }

    /// <summary>The first address the started <paramref name="app"/> listens on.</summary>
    internal static string? BoundUrl(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses?.FirstOrDefault()?.Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
    }

    private static async Task WaitForExitAsync(int processId, CancellationToken cancellationToken)
    {
        try
        {
            using var parent = System.Diagnostics.Process.GetProcessById(processId);
            await parent.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // Already gone.
        }
        catch (OperationCanceledException)
        {
            // Lifetime over or stopped.
        }
    }
}
