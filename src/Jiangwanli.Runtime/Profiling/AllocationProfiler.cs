using System.Diagnostics.Metrics;
using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Jiangwanli.Runtime.Profiling;

/// <summary>
/// Allocation profiles, the analog of Go's <c>/debug/pprof/allocs</c>: which types are allocated
/// where. On .NET 10+ the runtime's randomized <c>AllocationSampled</c> events (a Poisson sample,
/// one per 100 KiB allocated on average) are up-scaled to unbiased estimates; older runtimes fall
/// back to <c>GCAllocationTick</c>. The allocated type is the leaf frame of each stack
/// (<c>[alloc] System.Byte[]</c>), so it shows in every format.
/// </summary>
public sealed class AllocationProfiler : IDisposable
{
    /// <summary>The mean distance in bytes between two sampled allocations (the runtime's constant).</summary>
    internal const double SamplingDistance = 100 * 1024;

    private static readonly SampleType[] s_sampleTypes = [new("alloc_objects", "count"), new("alloc_space", "bytes")];

    private readonly ProfilerCore _core;

    /// <summary>Creates a profiler.</summary>
    /// <param name="options">Bounds and temp space; defaults when null.</param>
    /// <param name="gate">Share one gate with the <see cref="CpuProfiler"/>; a private gate when null.</param>
    /// <param name="timeProvider">Clock for the sampling window; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/>; a private meter when null.</param>
    public AllocationProfiler(
        ProfilerOptions? options = null,
        ProfileGate? gate = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
    {
        _core = new ProfilerCore(options, gate, timeProvider, meterFactory);
    }

    /// <summary>Whether a profile (of either kind, when the gate is shared) is being collected.</summary>
    public bool IsBusy => _core.Gate.IsBusy;

    /// <summary>Whether this runtime has randomized allocation sampling (.NET 10+); else allocation ticks are used.</summary>
    public static bool UsesAllocationSampling => Environment.Version.Major >= 10;

    /// <summary>
    /// Collects <paramref name="duration"/> of sampled allocations. Same statuses as
    /// <see cref="CpuProfiler.CollectAsync(TimeSpan, CpuSampleMode, CancellationToken)"/>.
    /// </summary>
    public Task<ProfileOutcome> CollectAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var sampling = UsesAllocationSampling
            ? ClrTraceEventParser.Keywords.AllocationSampling
            : ClrTraceEventParser.Keywords.GC; // GCAllocationTick is a Verbose GC event
        EventPipeProvider[] providers =
        [
            new(ProfilerCore.RuntimeProvider, EventLevel.Verbose,
                (long)(sampling | ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader)),
        ];
        return _core.RunAsync(ProfileKind.Allocations, duration, providers, Convert, cancellationToken);
    }

    internal static CollectedProfile Convert(TraceLog log, EventPipeCapture capture)
    {
        var builder = new StackProfileBuilder(s_sampleTypes.Length);
        var resolver = new TraceStackResolver(log, builder);
        var typeFrames = new Dictionary<string, int>(StringComparer.Ordinal);
        Span<double> values = stackalloc double[2];
        var sampled = false;
        foreach (var data in log.Events)
        {
            string typeName;
            switch (data)
            {
                case AllocationSampledTraceData allocation:
                    {
                        sampled = true;
                        typeName = allocation.TypeName;
                        var size = (double)allocation.ObjectSize;
                        var weight = UpscaleWeight(size);
                        values[0] = weight;
                        values[1] = size * weight;
                        break;
                    }

                case GCAllocationTickTraceData tick when !sampled:
                    {
                        typeName = tick.TypeName;
                        var amount = (double)tick.AllocationAmount64;
                        var objectSize = (double)tick.ObjectSize;
                        values[0] = objectSize > 0 ? amount / objectSize : 1;
                        values[1] = amount;
                        break;
                    }

                default:
                    continue;
            }

            var caller = resolver.Resolve(data.CallStackIndex());
            if (string.IsNullOrEmpty(typeName))
            {
                typeName = "?";
            }

            if (!typeFrames.TryGetValue(typeName, out var typeFunction))
            {
                var frame = "[alloc] " + typeName;
                typeFunction = builder.Function(frame, frame, string.Empty);
                typeFrames.Add(typeName, typeFunction);
            }

            builder.Add(builder.Child(caller, typeFunction), values);
        }

        string[] comments =
        [
            "Jiangwanli.Runtime allocation profile, " + (sampled
                ? "AllocationSampled events up-scaled by 1/(1-exp(-size/102400))"
                : "GCAllocationTick events (about one per 100 KB allocated)"),
            $"allocation events={builder.EventCount}",
        ];
        return builder.Build(
            ProfileKind.Allocations,
            capture.StartedAt,
            capture.Duration,
            s_sampleTypes,
            defaultSampleType: 1,
            new SampleType("space", "bytes"),
            (long)SamplingDistance,
            comments);
    }

    /// <summary>
    /// How many allocations of <paramref name="size"/> bytes one sample stands for: each byte is
    /// sampled with probability 1/<see cref="SamplingDistance"/>, so an object is sampled with
    /// probability 1 - exp(-size/distance), and weighting by the inverse makes the estimate unbiased.
    /// </summary>
    internal static double UpscaleWeight(double size)
    {
        if (size <= 0)
        {
            return 1;
        }

        // 1 - exp(-x), with the series for small x where the subtraction would cancel.
        var x = size / SamplingDistance;
        var probability = x < 1e-5 ? x - (x * x / 2) : 1 - Math.Exp(-x);
        return 1.0 / probability;
    }

    /// <inheritdoc />
    public void Dispose() => _core.Dispose();
}
