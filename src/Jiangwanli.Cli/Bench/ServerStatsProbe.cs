using System.Globalization;
using System.Net.Http.Headers;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Reads the server's runtime while a run goes on: <c>GET {management}/debug/gc</c> (GC counts, pause total, committed
/// heap), <c>GET {management}/metrics</c> when that is absent, and <c>/proc/PID/status</c> (VmRSS, VmHWM) when the
/// process is known. One reading when the measured window opens, one when it closes, and one a second in between for
/// the memory peak; the first and last also read <c>/metrics</c> for the server's decision latency histogram. Anything
/// unavailable stays null and is reported as "n/a".
/// </summary>
internal sealed class ServerStatsProbe : IAsyncDisposable
{
    private static readonly TimeSpan s_period = TimeSpan.FromSeconds(1);

    private readonly Uri? _management;
    private readonly int? _processId;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly List<ServerSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _sampling;
    private Task<ServerSample?>? _start;
    private Task<ServerSample?>? _end;
    private bool _gcDocumentMissing;
    private bool _metricsMissing;
    private int _measuring;

    /// <summary>A probe of the server behind <paramref name="management"/> and/or process <paramref name="processId"/>.</summary>
    public ServerStatsProbe(Uri? management, int? processId, string? adminToken, TimeProvider? time = null)
    {
        _management = management is null || management.AbsolutePath.EndsWith('/') ? management : new Uri(management.AbsoluteUri + "/");
        _processId = processId;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 2 }) { Timeout = TimeSpan.FromSeconds(5) };
        if (!string.IsNullOrEmpty(adminToken))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        }

        _gcDocumentMissing = _metricsMissing = management is null;
    }

    /// <summary>The process whose memory is read, when known.</summary>
    public int? ProcessId => _processId;

    /// <summary>Starts the once-a-second sampling.</summary>
    public void Start() => _sampling = SampleLoopAsync();

    /// <summary>The measured window opens: take the baseline reading.</summary>
    public void MarkStart()
    {
        Volatile.Write(ref _measuring, 1);
        _start = SampleAsync(withHistogram: true);
    }

    /// <summary>The measured window closes: take the final reading and stop sampling.</summary>
    public void MarkEnd()
    {
        Volatile.Write(ref _measuring, 0);
        _end = SampleAsync(withHistogram: true);
        _stop.Cancel();
    }

    /// <summary>The server's figures for the window (nulls where nothing could be read).</summary>
    public async Task<ServerStats> ResultAsync()
    {
        var start = _start is null ? null : await _start.ConfigureAwait(false);
        var end = _end is null ? null : await _end.ConfigureAwait(false);
        if (_sampling is not null)
        {
            await _sampling.ConfigureAwait(false);
        }

        List<ServerSample> samples;
        lock (_samples)
        {
            samples = [.. _samples];
        }

        if (end is not null)
        {
            samples.Add(end);
        }

        return ServerStats.Combine(start, end, samples, _processId);
    }

    /// <summary>One reading from every available source, merged; <paramref name="withHistogram"/>: /metrics is read for the decision latency histogram too.</summary>
    public async Task<ServerSample?> SampleAsync(bool withHistogram = false)
    {
        ServerSample? sample = null;
        if (!_gcDocumentMissing)
        {
            var (text, absent) = await GetAsync("debug/gc").ConfigureAwait(false);
            sample = text is null ? null : RuntimeStatsText.ParseGcDocument(text);
            _gcDocumentMissing = absent || (text is not null && sample is null);
        }

        if ((sample is null || _processId is null || withHistogram) && !_metricsMissing)
        {
            var (body, absent) = await GetAsync("metrics").ConfigureAwait(false);
            var text = body is null ? null : System.Text.Encoding.UTF8.GetString(body);
            var metrics = text is null ? null : RuntimeStatsText.ParseMetrics(text);
            // Read but absent: nothing decided yet (the exporter shows a histogram from its first observation on).
            var latency = text is null ? null : RuntimeStatsText.ParseHistogram(text, RuntimeStatsText.DecisionLatencyMetric) ?? HistogramBuckets.Empty;
            _metricsMissing = absent;
            if (sample is null || _processId is null)
            {
                sample = sample is null ? metrics : metrics is null ? sample : sample with { ResidentBytes = metrics.ResidentBytes };
            }

            if (latency is not null)
            {
                sample = (sample ?? new ServerSample()) with { DecisionLatency = latency };
            }
        }

        if (_processId is { } pid)
        {
            try
            {
                var status = await File.ReadAllTextAsync($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status").ConfigureAwait(false);
                var (rss, hwm) = RuntimeStatsText.ParseProcStatus(status);
                sample = (sample ?? new ServerSample()) with { ResidentBytes = rss, PeakResidentBytes = hwm };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process is gone or not readable; the other sources still count.
            }
        }

        return sample;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sampling is not null)
        {
            await _sampling.ConfigureAwait(false);
        }

        _stop.Dispose();
        _http.Dispose();
    }

    private async Task SampleLoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(s_period, _time, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (Volatile.Read(ref _measuring) == 0)
            {
                continue;
            }

            if (await SampleAsync().ConfigureAwait(false) is { } sample)
            {
                lock (_samples)
                {
                    _samples.Add(sample);
                }
            }
        }
    }

    // Absent means "don't ask again": not found, or not ours to read (no admin token). A timeout under load is not absence.
    private async Task<(byte[]? Body, bool Absent)> GetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(_management!, path)).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return (await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false), false);
            }

            var code = (int)response.StatusCode;
            return (null, code is 401 or 403 or 404 or 405);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, false);
        }
    }
}
