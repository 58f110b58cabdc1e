using System.Globalization;
using Spectre.Console;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// One <c>jwl bench</c> invocation: builds the request bodies, drives the bare endpoint (a child process) and/or the
/// URL with the same settings, reads each server's runtime over its window, and reports.
/// </summary>
internal sealed class BenchSession
{
    /// <summary>The management port of <c>jwl serve</c> by default.</summary>
    public const int DefaultManagementPort = 9091;

    private readonly BenchOptions _options;
    private readonly IAnsiConsole _console;
    private readonly TextWriter _errors;
    private readonly Stream _stdout;
    private readonly TimeProvider _time;

    /// <summary>A session writing its report to <paramref name="console"/> or, as JSON, to <paramref name="stdout"/>.</summary>
    public BenchSession(BenchOptions options, IAnsiConsole console, Stream stdout, TextWriter errors, TimeProvider? time = null)
    {
        _options = options;
        _console = console;
        _stdout = stdout;
        _errors = errors;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// The longest one invocation may take: per target, warm-up + duration + the connect phase + two minutes for
    /// start-up, draining and reading the server's figures. Past it the run in progress is cut short and reported.
    /// </summary>
    public TimeSpan HardCap
    {
        get
        {
            var perTarget = _options.Load.Warmup + _options.Load.Duration + _options.Load.ConnectPhaseLimit + TimeSpan.FromMinutes(2);
            return perTarget * ((_options.Bare ? 1 : 0) + (_options.Url is null ? 0 : 1));
        }
    }

    /// <summary>Runs everything; 0 when every target answered, 1 when one did not, 2 on bad input.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var cap = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cap.CancelAfter(HardCap);
        return await RunCappedAsync(cap.Token).ConfigureAwait(false);
    }

    private async Task<int> RunCappedAsync(CancellationToken cancellationToken)
    {
        BenchTarget? url = null;
        if (_options.Url is { } text && !BenchTarget.TryCreate("url", text, _options.AllowRemote, _options.DefaultPath, out url, out var error))
        {
            await _errors.WriteLineAsync("error: --url " + error).ConfigureAwait(false);
            return 2;
        }

        Uri? management = null;
        if (url is not null && !TryManagementUrl(url, out management, out var managementError))
        {
            await _errors.WriteLineAsync("error: --management-url " + managementError).ConfigureAwait(false);
            return 2;
        }

        EventBodies bodies;
        try
        {
            bodies = _options.EventsFile is { } file
                ? EventBodies.FromJsonLines(await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false), _options.CorpusSize)
                : EventBodies.FromGenerator(_options.Seed, _options.CorpusSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            await _errors.WriteLineAsync($"error: --events: {e.Message}").ConfigureAwait(false);
            return 2;
        }

        var display = new ProgressDisplay(_options.Json || Console.IsOutputRedirected ? null : _console);
        var results = new List<BenchResult>();
        if (_options.Bare)
        {
            var lifetime = _options.Load.Warmup + _options.Load.Duration + _options.Load.ConnectPhaseLimit + TimeSpan.FromMinutes(1);
            BareServerProcess bare;
            try
            {
                bare = await BareServerProcess.StartAsync(_options.BareBodyBytes, lifetime, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or OperationCanceledException)
            {
                await _errors.WriteLineAsync("error: bare server: " + e.Message).ConfigureAwait(false);
                return 1;
            }

            await using (bare.ConfigureAwait(false))
            {
                BenchTarget.TryCreate("bare", new Uri(bare.Url, _options.DefaultPath).ToString(), allowRemote: false, _options.DefaultPath, out var bareTarget, out _);
                results.Add(await RunTargetAsync(bareTarget!, bodies, bare.Url, bare.ProcessId, display, cancellationToken).ConfigureAwait(false));
            }
        }

        if (url is not null && !cancellationToken.IsCancellationRequested)
        {
            var pid = _options.ServerProcessId ?? (url.IsLoopback ? ListeningProcess.Find(url.Url.Port) : null);
            var result = await RunTargetAsync(url, bodies, management, pid, display, cancellationToken).ConfigureAwait(false);
            var bare = results.Count > 0 ? results[0].Throughput : (double?)null;
            results.Add(result with { RatioToBare = ReportMath.RatioToBare(result.Throughput, bare) });
        }

        if (results.Count == 0)
        {
            return 1;
        }

        var report = new BenchReport { Options = _options, Results = results, Finished = _time.GetUtcNow(), Notes = Notes(results) };
        if (_options.Json)
        {
            ReportWriter.WriteJson(report, _stdout);
            await _stdout.WriteAsync("\n"u8.ToArray(), CancellationToken.None).ConfigureAwait(false);
            await _stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            ReportWriter.WriteTable(report, _console);
        }

        if (_options.MarkdownFile is { } markdown)
        {
            try
            {
                ReportWriter.AppendMarkdown(report, markdown);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await _errors.WriteLineAsync($"error: --markdown: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        return results.TrueForAll(static r => r.Measurement.Counts.Successes > 0) ? 0 : 1;
    }

    private async Task<BenchResult> RunTargetAsync(BenchTarget target, EventBodies bodies, Uri? management, int? pid, ProgressDisplay display, CancellationToken cancellationToken)
    {
        var endpoint = await target.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var corpus = RequestCorpus.Build(target, bodies, _options.RequestStart);
        using var httpClient = _options.Client == BenchClientKind.HttpClient ? HttpClientConnection.CreateClient(_options.Load.Connections) : null;
        var probe = new ServerStatsProbe(management, pid, _options.AdminToken, _time);
        await using (probe.ConfigureAwait(false))
        {
            probe.Start();
            var measurement = await display.RunAsync(target.Name, async progress =>
            {
                using var run = new LoadRun(
                    _options.Load,
                    _ => httpClient is null ? new SocketConnection(endpoint, corpus) : new HttpClientConnection(httpClient, target.Url, corpus),
                    _time,
                    new SessionObserver(probe, progress));
                return await run.RunAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            var server = await probe.ResultAsync().ConfigureAwait(false);
            if (measurement.Connected == 0)
            {
                await _errors.WriteLineAsync($"error: could not connect to {endpoint} ({target.Url})").ConfigureAwait(false);
            }

            return new BenchResult { Target = target.Name, Url = target.Url, Measurement = measurement, Server = server };
        }
    }

    private bool TryManagementUrl(BenchTarget url, out Uri? management, out string error)
    {
        error = string.Empty;
        if (_options.ManagementUrl is { } given)
        {
            if (!BenchTarget.TryCreate("management", given, _options.AllowRemote, "/", out var parsed, out error))
            {
                management = null;
                return false;
            }

            management = new Uri(parsed!.Url.GetLeftPart(UriPartial.Authority) + "/");
            return true;
        }

        var builder = new UriBuilder(url.Url) { Port = DefaultManagementPort, Path = "/", Query = string.Empty };
        management = builder.Uri;
        return true;
    }

    private List<string> Notes(List<BenchResult> results)
    {
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"load tool and server share this machine's {Environment.ProcessorCount} cores; the bare endpoint (Kestrel, no engine, no audit, a constant {_options.BareBodyBytes}-byte body) runs as a child process under the same conditions."),
        };
        if (_options.Load.Rate is not null)
        {
            notes.Add("open loop: latency is measured from each request's intended send time (coordinated-omission corrected).");
        }

        if (_options.RequestStart)
        {
            notes.Add($"every request carries {RequestCorpus.StampHeader} with its start (open loop: its intended send time): a server that honors it sheds what waited past its deadline in this client's or the kernel's queues.");
        }

        foreach (var r in results)
        {
            if (r.Measurement.Interrupted)
            {
                notes.Add($"{r.Target}: interrupted; the window is shorter than asked.");
            }

            if (r.Server.GcCount is null)
            {
                notes.Add($"{r.Target}: server GC figures n/a (no /debug/gc or /metrics on the management URL; pass --management-url / --admin-token).");
            }

            if (r.Measurement.Scheduled is { } scheduled && r.Measurement.Counts.Responses < scheduled * 0.95)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{r.Target}: only {r.Measurement.Counts.Responses:N0} of {scheduled:N0} scheduled requests completed in the window: the target did not keep up with the rate."));
            }
        }

        return notes;
    }
}
