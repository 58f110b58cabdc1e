using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Jiangwanli.EndToEnd.Infrastructure;

/// <summary>
/// The real service as a child process: <c>dotnet jwl.dll serve</c> on free loopback ports with a temp data folder.
/// Every wait is bounded; every failure message carries the child's stdout and stderr.
/// </summary>
internal sealed class JwlServer : IAsyncDisposable
{
    public const string Token = "e2e-admin-token-0123456789";

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TempDirectory? _ownedData;

    private JwlServer(Process process, TempDirectory? ownedData, string dataDirectory, int publicPort, int managementPort)
    {
        _process = process;
        _ownedData = ownedData;
        DataDirectory = dataDirectory;
        PublicPort = publicPort;
        ManagementPort = managementPort;
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 16, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        Public = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{publicPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Admin = new HttpClient { BaseAddress = Management.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        process.OutputDataReceived += (_, e) => Append("out", e.Data);
        process.ErrorDataReceived += (_, e) => Append("err", e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string DataDirectory { get; }

    public int PublicPort { get; }

    public int ManagementPort { get; }

    public HttpClient Public { get; }

    public HttpClient Management { get; }

    /// <summary>Management client sending the admin token.</summary>
    public HttpClient Admin { get; }

    /// <summary>What the child has printed so far (stdout and stderr, interleaved, prefixed).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts <c>jwl serve</c> and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<JwlServer> StartAsync(string? packPath = null, string? dataDirectory = null, string durability = "batch", params string[] extraArgs)
    {
        var owned = dataDirectory is null ? new TempDirectory() : null;
        var data = dataDirectory ?? owned!.Path;
        var (publicPort, managementPort) = FreePorts.Pair();
        string[] args =
        [
            "serve",
            "--pack", packPath ?? Jwl.DefaultPack,
            "--urls", $"http://127.0.0.1:{publicPort}",
            "--management-urls", $"http://127.0.0.1:{managementPort}",
            "--data", data,
            "--durability", durability,
            .. extraArgs,
        ];
        // The dispatch-delay guard is off: this 2-core machine runs the tests, the server and often builds at once, so the
        // server's thread pool may wait for a CPU for longer than the guard allows, and it would shed requests the tests
        // expect served. The guard is covered by DispatchDelayGuardTests and measured by bench/http/issue5.sh.
        var info = Jwl.StartInfo(
            data,
            new Dictionary<string, string> { ["JWL__ADMINTOKEN"] = Token, ["JWL__SHUTDOWNTIMEOUT"] = "00:00:20", ["JWL__ADMISSION__MAXDISPATCHDELAY"] = "00:00:00" },
            args);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        process.StandardInput.Close();
        var server = new JwlServer(process, owned, data, publicPort, managementPort);
        await server.WaitReadyAsync();
        return server;
    }

    /// <summary>Fails the test with the child's output.</summary>
    public Exception Failure(string what) => new Xunit.Sdk.XunitException($"{what}\n--- jwl serve (pid {Pid}) output ---\n{Log}");

    /// <summary>Sends SIGTERM (what an orchestrator sends; <see cref="Process.Kill()"/> would be SIGKILL).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw Failure($"kill -TERM {Pid} failed with {kill.ExitCode}");
        }
    }

    /// <summary>Waits (bounded) for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(s_stopTimeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw Failure($"jwl serve did not exit within {s_stopTimeout}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then the exit code (graceful shutdown).</summary>
    public async Task<int> StopAsync()
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        await TerminateAsync();
        return await WaitForExitAsync();
    }

    public async Task<HttpResponseMessage> DecideAsync(string json)
        => await Public.PostAsync("/v1/decisions", new StringContent(json, Encoding.UTF8, "application/json"));

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await StopAsync();
            }
        }
        catch (Exception)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            _process.Dispose();
            Public.Dispose();
            Management.Dispose();
            Admin.Dispose();
            _ownedData?.Dispose();
        }
    }

    private void Append(string stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Append(stream).Append("| ").AppendLine(line);
        }
    }

    private async Task WaitReadyAsync()
    {
        var deadline = Stopwatch.StartNew();
        using var probe = new HttpClient { BaseAddress = Management.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };

        // Bounded: at most s_startTimeout, polling every 100 ms.
        while (deadline.Elapsed < s_startTimeout)
        {
            if (_process.HasExited)
            {
                throw Failure($"jwl serve exited with {_process.ExitCode} before it was ready");
            }

            try
            {
                using var response = await probe.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first response while the process warms up.
            }

            await Task.Delay(100);
        }

        _process.Kill(entireProcessTree: true);
        throw Failure($"jwl serve was not ready within {s_startTimeout}");
    }
}
