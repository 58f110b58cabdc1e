using System.Diagnostics.Metrics;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// What the CPU and allocation profilers share: request validation, the one-at-a-time gate, the
/// EventPipe capture, conversion off the caller's thread, and the profile counter.
/// </summary>
internal sealed class ProfilerCore : IDisposable
{
    /// <summary>EventPipe's sample profiler: walks every managed thread's stack about once a millisecond.</summary>
    public const string SampleProfilerProvider = "Microsoft-DotNETCore-SampleProfiler";

    /// <summary>The runtime's own provider (GC, JIT, loader, allocation sampling).</summary>
    public const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    private readonly ProfilerOptions _options;
    private readonly ProfileGate _gate;
    private readonly TimeProvider _timeProvider;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _profiles;

    public ProfilerCore(ProfilerOptions? options, ProfileGate? gate, TimeProvider? timeProvider, IMeterFactory? meterFactory)
    {
        _options = options ?? new ProfilerOptions();
        _gate = gate ?? new ProfileGate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _meter = RuntimeMeter.Create(meterFactory, out _ownsMeter);
        _profiles = _meter.CreateCounter<long>(
            "jiangwanli.runtime.profiles", "{profile}", "Profile requests by kind and outcome.");
    }

    public ProfileGate Gate => _gate;

    public async Task<ProfileOutcome> RunAsync(
        ProfileKind kind,
        TimeSpan duration,
        IReadOnlyList<EventPipeProvider> providers,
        Func<TraceLog, EventPipeCapture, CollectedProfile> convert,
        CancellationToken cancellationToken)
    {
        var outcome = await RunCoreAsync(duration, providers, convert, cancellationToken).ConfigureAwait(false);
        if (_profiles.Enabled)
        {
            _profiles.Add(
                1,
                new KeyValuePair<string, object?>("kind", kind == ProfileKind.Cpu ? "cpu" : "allocations"),
                new KeyValuePair<string, object?>("status", outcome.Status.ToString().ToLowerInvariant()));
        }

        return outcome;
    }

    private async Task<ProfileOutcome> RunCoreAsync(
        TimeSpan duration,
        IReadOnlyList<EventPipeProvider> providers,
        Func<TraceLog, EventPipeCapture, CollectedProfile> convert,
        CancellationToken cancellationToken)
    {
        if (_options.Validate(duration) is { } invalid)
        {
            return ProfileOutcome.Invalid(invalid);
        }

        if (!_gate.TryEnter())
        {
            return ProfileOutcome.Busy();
        }

        try
        {
            using var capture = await EventPipeCapture
                .RecordAsync(providers, duration, _options, _timeProvider, cancellationToken)
                .ConfigureAwait(false);

            // Conversion is synchronous, CPU-bound work: keep it off the request's thread.
            var profile = await Task.Run(
                () =>
                {
                    using var log = capture.OpenLog();
                    return convert(log, capture);
                },
                cancellationToken).ConfigureAwait(false);
            return ProfileOutcome.Completed(profile);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ProfileOutcome.Canceled();
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or ServerErrorException)
        {
            return ProfileOutcome.Failed($"the runtime's diagnostics server refused the session: {ex.Message}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // I/O, a stop that timed out, or a trace TraceEvent could not read: the request fails,
            // the process carries on (the server maps this to 500).
            return ProfileOutcome.Failed($"profile collection failed: {ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
