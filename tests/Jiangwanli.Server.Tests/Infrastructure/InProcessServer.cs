using System.Net.Http.Headers;
using System.Text;
using Jiangwanli.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Tests.Infrastructure;

/// <summary>
/// The real service (JiangwanliHost, Kestrel on free loopback ports) in the test process, with a temp data folder.
/// </summary>
internal sealed class InProcessServer : IAsyncDisposable
{
    public const string Token = "test-admin-token-0123456789";

    private readonly TempDirectory? _ownedData;
    private readonly JiangwanliHost _host;

    private InProcessServer(JiangwanliHost host, TempDirectory? ownedData, string dataDirectory, int publicPort, int managementPort, CapturingLoggerProvider logs)
    {
        _host = host;
        Logs = logs;
        _ownedData = ownedData;
        DataDirectory = dataDirectory;
        Public = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{publicPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = Management.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public JiangwanliHost Host => _host;

    /// <summary>Warnings and errors the server logged.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>Errors logged (an unhandled exception would be one).</summary>
    public IEnumerable<string> LoggedErrors => Logs.Entries.Where(static e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal));

    public string DataDirectory { get; }

    public HttpClient Public { get; }

    public HttpClient Management { get; }

    /// <summary>Management client that sends the admin token.</summary>
    public HttpClient Admin { get; }

    /// <summary>Starts a server. <paramref name="dataDirectory"/> null: a temp folder owned by this instance.</summary>
    public static async Task<InProcessServer> StartAsync(
        string? dataDirectory = null,
        string? packPath = null,
        IDictionary<string, string?>? settings = null,
        bool withToken = true)
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        var data = dataDirectory ?? owned!.Path;
        var (publicPort, managementPort) = FreePorts.Pair();
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Jiangwanli:Pack"] = packPath ?? TestPacks.DefaultPackPath,
            ["Jiangwanli:DataDirectory"] = data,
            ["Jiangwanli:Urls"] = $"http://127.0.0.1:{publicPort}",
            ["Jiangwanli:ManagementUrls"] = $"http://127.0.0.1:{managementPort}",
            ["Jiangwanli:Audit:Durability"] = "batch",
            ["Jiangwanli:AdminToken"] = withToken ? Token : null,
            ["Jiangwanli:ShutdownTimeout"] = "00:00:10",

            // The dispatch-delay guard measures this process's thread pool, which here is the test runner's: busy with
            // parallel tests and blocking waits, it would shed requests the tests expect served. The guard is covered
            // by DispatchDelayGuardTests and measured against a real server by bench/http/issue5.sh.
            ["Jiangwanli:Admission:MaxDispatchDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var errors = new StringWriter();
        var logs = new CapturingLoggerProvider();
        var host = JiangwanliHost.Create(
            new ServerLaunch
            {
                Settings = all,
                Environment = new Dictionary<string, string?>(),
                HandleSignals = false,
                ConfigureLogging = logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(logs),
            },
            errors);
        Assert.True(host is not null, "server did not build: " + errors);
        await host!.StartAsync();
        return new InProcessServer(host, owned, data, publicPort, managementPort, logs);
    }

    /// <summary>POSTs one event as application/json.</summary>
    public Task<HttpResponseMessage> DecideAsync(string json, string contentType = "application/json")
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return Public.PostAsync("/v1/decisions", content);
    }

    public async ValueTask DisposeAsync()
    {
        Public.Dispose();
        Management.Dispose();
        Admin.Dispose();
        await _host.DisposeAsync();
        _ownedData?.Dispose();
    }
}
