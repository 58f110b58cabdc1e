using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// CPU profiles of the running process, the analog of Go's <c>/debug/pprof/profile</c>: an
/// EventPipe session on the process itself with the sample profiler, method names resolved from
/// JIT/loader events and the rundown. One profile at a time (see <see cref="ProfileGate"/>).
/// </summary>
public sealed class CpuProfiler : IDisposable
{
    private const long DefaultPeriodNanoseconds = 1_000_000;

    private static readonly SampleType[] s_sampleTypes = [new("samples", "count"), new("cpu", "nanoseconds")];

    private readonly ProfilerCore _core;

    /// <summary>Creates a profiler.</summary>
    /// <param name="options">Bounds and temp space; defaults when null.</param>
    /// <param name="gate">Share one gate with the <see cref="AllocationProfiler"/>; a private gate when null.</param>
    /// <param name="timeProvider">Clock for the sampling window; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/>; a private meter when null.</param>
    public CpuProfiler(
        ProfilerOptions? options = null,
        ProfileGate? gate = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        _core = new ProfilerCore(options, gate, timeProvider, meterFactory);
    }

    /// <summary>Whether a profile (of either kind, when the gate is shared) is being collected.</summary>
    public bool IsBusy => _core.Gate.IsBusy;

    /// <summary>Collects <paramref name="duration"/> of CPU samples (<see cref="CpuSampleMode.Cpu"/>).</summary>
    public Task<ProfileOutcome> CollectAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        CollectAsync(duration, CpuSampleMode.Cpu, cancellationToken);

    /// <summary>
    /// Collects <paramref name="duration"/> of stack samples. Returns <see cref="ProfileStatus.Busy"/>
    /// at once when another profile runs, <see cref="ProfileStatus.InvalidRequest"/> when the duration
    /// is out of bounds. The call takes about <paramref name="duration"/> plus conversion time.
    /// </summary>
    public Task<ProfileOutcome> CollectAsync(TimeSpan duration, CpuSampleMode mode, CancellationToken cancellationToken = default)
    {
        EventPipeProvider[] providers =
        [
            new(ProfilerCore.SampleProfilerProvider, EventLevel.Informational),

            // Verbose method-load events name methods jitted (or re-jitted by tiering) during the
            // session; the rundown at stop names everything else.
            new(ProfilerCore.RuntimeProvider, EventLevel.Verbose,
                (long)(ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader)),
        ];
        return _core.RunAsync(ProfileKind.Cpu, duration, providers, (log, capture) => Convert(log, capture, mode), cancellationToken);
    }

    internal static CollectedProfile Convert(TraceLog log, EventPipeCapture capture, CpuSampleMode mode)
    {
        var builder = new StackProfileBuilder(s_sampleTypes.Length);
        var resolver = new TraceStackResolver(log, builder);
        var perThread = new Dictionary<int, (double First, double Last, long Count)>();
        long dropped = 0;
        ReadOnlySpan<double> one = [1, 1];
        foreach (var data in log.Events)
        {
            if (data is not ClrThreadSampleTraceData sample)
            {
                continue;
            }

            // Every managed thread is sampled each round whatever it does, so the period is
            // estimated from all samples, before the parked ones are dropped.
            var now = sample.TimeStampRelativeMSec;
            perThread[sample.ThreadID] = perThread.TryGetValue(sample.ThreadID, out var seen)
                ? (seen.First, now, seen.Count + 1)
                : (now, now, 1);

            var stack = sample.CallStackIndex();
            if (mode == CpuSampleMode.Cpu)
            {
                // A sample in managed code is running (or runnable) unless it is an idle spin; a
                // sample in native code may be a blocking syscall or wait, known by its caller.
                var activity = resolver.Classify(stack);
                if (activity == ThreadActivity.IdleSpin
                    || (activity == ThreadActivity.Parked && sample.Type != ClrThreadSampleType.Managed))
                {
                    dropped++;
                    continue;
                }
            }

            var leaf = resolver.Resolve(stack);
            if (leaf >= 0)
            {
                builder.Add(leaf, one);
            }
        }

        // Column 1 counted samples so far; it becomes nanoseconds now that the period is known.
        var period = EstimatePeriodNanoseconds(perThread);
        builder.Scale(1, period);
        string[] comments =
        [
            $"Jiangwanli.Runtime CPU profile, mode={(mode == CpuSampleMode.Cpu ? "cpu" : "wall")}",
            $"thread samples kept={builder.EventCount}, parked/idle samples dropped={dropped}, period={period} ns",
        ];
        return builder.Build(
            ProfileKind.Cpu,
            capture.StartedAt,
            capture.Duration,
            s_sampleTypes,
            defaultSampleType: 1,
            new SampleType("cpu", "nanoseconds"),
            period,
            comments);
    }

    /// <summary>
    /// The sampler's real period: the mean gap between samples of the busiest thread (the runtime
    /// aims at 1 ms but the OS may stretch it). 1 ms when there is too little data.
    /// </summary>
    private static long EstimatePeriodNanoseconds(Dictionary<int, (double First, double Last, long Count)> perThread)
    {
        (double First, double Last, long Count) busiest = default;
        foreach (var entry in perThread.Values)
        {
            if (entry.Count > busiest.Count)
            {
                busiest = entry;
            }
        }

        if (busiest.Count < 10)
        {
            return DefaultPeriodNanoseconds;
        }

        var nanoseconds = (busiest.Last - busiest.First) * 1_000_000.0 / (busiest.Count - 1);
        return (long)Math.Clamp(nanoseconds, 100_000, 100_000_000);
    }

    /// <inheritdoc />
    public void Dispose() => _core.Dispose();
}
