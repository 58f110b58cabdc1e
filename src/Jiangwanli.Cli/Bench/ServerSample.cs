namespace Jiangwanli.Cli.Bench;

/// <summary>One garbage collection as the server's GC monitor reported it.</summary>
/// <param name="Index">The GC's index (the runtime's collection count when it ran).</param>
/// <param name="Generation">The generation collected (-1 when not reported).</param>
/// <param name="PauseMs">How long it suspended the process, ms.</param>
internal readonly record struct GcPause(long Index, int Generation, double PauseMs);

/// <summary>
/// A latency histogram as a Prometheus endpoint exposes it: cumulative counts by ascending upper bound (seconds), the
/// last bound <c>+Inf</c>. The server's own view of a latency, at its buckets' resolution.
/// </summary>
/// <param name="UpperBounds">Each bucket's upper bound, ascending.</param>
/// <param name="Cumulative">How many observations were at most that bound.</param>
internal sealed record HistogramBuckets(double[] UpperBounds, long[] Cumulative)
{
    /// <summary>A histogram with no observations yet (the exporter shows none until the first).</summary>
    public static HistogramBuckets Empty { get; } = new([], []);

    /// <summary>Observations in all.</summary>
    public long Count => Cumulative.Length == 0 ? 0 : Cumulative[^1];

    /// <summary>The observations after <paramref name="earlier"/> (a reading of the same histogram); null when the bounds differ.</summary>
    public HistogramBuckets? Since(HistogramBuckets earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (earlier.UpperBounds.Length == 0)
        {
            return this;
        }

        if (!UpperBounds.AsSpan().SequenceEqual(earlier.UpperBounds))
        {
            return null;
        }

        var window = new long[Cumulative.Length];
        for (var i = 0; i < window.Length; i++)
        {
            window[i] = Math.Max(0, Cumulative[i] - earlier.Cumulative[i]);
        }

        return new HistogramBuckets(UpperBounds, window);
    }

    /// <summary>
    /// The upper bound (seconds) of the bucket that holds the <paramref name="percentile"/>th observation by nearest
    /// rank — "at most this"; <see cref="double.PositiveInfinity"/> when it lies past the last finite bound; null when empty.
    /// </summary>
    public double? PercentileUpperBound(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(percentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (Count == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(percentile / 100 * Count);
        for (var i = 0; i < Cumulative.Length; i++)
        {
            if (Cumulative[i] >= rank)
            {
                return UpperBounds[i];
            }
        }

        return double.PositiveInfinity;
    }
}

/// <summary>One reading of the server's runtime, each field null when no source had it.</summary>
internal sealed record ServerSample
{
    /// <summary>GCs since the process started (all generations).</summary>
    public long? GcCount { get; init; }

    /// <summary>Gen2 GCs since the process started.</summary>
    public long? Gen2Count { get; init; }

    /// <summary>Total GC pause time since the process started, ms.</summary>
    public double? GcPauseMs { get; init; }

    /// <summary>Resident set size now (/proc VmRSS, or a working-set metric), bytes.</summary>
    public long? ResidentBytes { get; init; }

    /// <summary>Peak resident set size of the process's life (/proc VmHWM), bytes.</summary>
    public long? PeakResidentBytes { get; init; }

    /// <summary>Committed managed heap (from /debug/gc), bytes.</summary>
    public long? HeapCommittedBytes { get; init; }

    /// <summary>Index of the last GC (from /debug/gc).</summary>
    public long? GcIndex { get; init; }

    /// <summary>The server's most recent GCs with their pauses (from /debug/gc <c>pauses.recent</c>), or null.</summary>
    public IReadOnlyList<GcPause>? RecentPauses { get; init; }

    /// <summary>The server's decision latency histogram (<c>jiangwanli_decision_duration_seconds</c> in /metrics), or null.</summary>
    public HistogramBuckets? DecisionLatency { get; init; }
}

/// <summary>The server's runtime over a measured window, as reported.</summary>
internal sealed record ServerStats
{
    /// <summary>Nothing known.</summary>
    public static ServerStats Unknown { get; } = new();

    /// <summary>GCs during the window.</summary>
    public long? GcCount { get; init; }

    /// <summary>Gen2 GCs during the window.</summary>
    public long? Gen2Count { get; init; }

    /// <summary>GC pause time during the window, ms.</summary>
    public double? GcPauseMs { get; init; }

    /// <summary>
    /// The 99th percentile (nearest rank) of the pauses of the GCs that ran in the window, ms: the per-GC records
    /// the server's GC monitor reports (EventPipe GC events), collected by index across the probe's readings. Null
    /// when the server reports no per-GC records; 0 when no GC ran.
    /// </summary>
    public double? GcPauseP99Ms { get; init; }

    /// <summary>The longest pause of a GC in the window, ms (same source as <see cref="GcPauseP99Ms"/>).</summary>
    public double? GcPauseMaxMs { get; init; }

    /// <summary>
    /// GCs of the window whose pause was seen: fewer than <see cref="GcCount"/> when more than the server's 16 recent
    /// records happened between two readings (the percentile is then over those seen, and says so).
    /// </summary>
    public long? GcPausesSeen { get; init; }

    /// <summary>Peak memory, bytes (see <see cref="PeakMemorySource"/>).</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>Where <see cref="PeakMemoryBytes"/> came from: <c>VmHWM</c>, <c>rss-sampled</c>, <c>heap-committed-sampled</c>.</summary>
    public string? PeakMemorySource { get; init; }

    /// <summary>The server's process id, when known.</summary>
    public int? ProcessId { get; init; }

    /// <summary>
    /// The server's own latency of the decisions it made in the window (handler start to logged decision, every
    /// outcome): the difference of its histogram between the window's first and last readings; null when unknown.
    /// </summary>
    public HistogramBuckets? DecisionLatency { get; init; }

    /// <summary>
    /// Combines the readings at the start and end of the window with the highest of the samples taken during it.
    /// Peak memory prefers the kernel's own high-water mark (VmHWM: it catches spikes between samples, though it
    /// covers the process's whole life), then the highest sampled resident size, then the highest committed heap.
    /// </summary>
    public static ServerStats Combine(ServerSample? start, ServerSample? end, IReadOnlyList<ServerSample> samples, int? processId)
    {
        long? maxResident = null;
        long? maxHeap = null;
        foreach (var sample in samples)
        {
            maxResident = Max(maxResident, sample.ResidentBytes);
            maxHeap = Max(maxHeap, sample.HeapCommittedBytes);
        }

        long? peak;
        string? source;
        if (end?.PeakResidentBytes is { } hwm)
        {
            (peak, source) = (hwm, "VmHWM");
        }
        else if (maxResident is { } rss)
        {
            (peak, source) = (rss, "rss-sampled");
        }
        else if (maxHeap is { } heap)
        {
            (peak, source) = (heap, "heap-committed-sampled");
        }
        else
        {
            (peak, source) = (null, null);
        }

        var (p99, max, seen) = WindowPauses(start, samples);
        return new ServerStats
        {
            GcPauseP99Ms = p99,
            GcPauseMaxMs = max,
            GcPausesSeen = seen,
            GcCount = ReportMath.Delta(start?.GcCount, end?.GcCount),
            Gen2Count = ReportMath.Delta(start?.Gen2Count, end?.Gen2Count),
            GcPauseMs = ReportMath.Delta(start?.GcPauseMs, end?.GcPauseMs),
            PeakMemoryBytes = peak,
            PeakMemorySource = source,
            ProcessId = processId,
            DecisionLatency = start?.DecisionLatency is { } before && end?.DecisionLatency is { } after ? after.Since(before) : null,
        };
    }

    /// <summary>
    /// The pauses of the GCs after the start reading's last index, deduplicated by index across the readings, as
    /// (p99, max, count); nulls when no reading had per-GC records or the start index is unknown.
    /// </summary>
    internal static (double? P99, double? Max, long? Seen) WindowPauses(ServerSample? start, IReadOnlyList<ServerSample> samples)
    {
        if (start?.GcIndex is not { } from)
        {
            return (null, null, null);
        }

        var any = start.RecentPauses is not null;
        var pauses = new Dictionary<long, double>();
        foreach (var sample in samples)
        {
            if (sample.RecentPauses is not { } recent)
            {
                continue;
            }

            any = true;
            foreach (var gc in recent)
            {
                if (gc.Index > from)
                {
                    pauses[gc.Index] = gc.PauseMs;
                }
            }
        }

        if (!any)
        {
            return (null, null, null);
        }

        var sorted = pauses.Values.ToArray();
        Array.Sort(sorted);
        return (ReportMath.NearestRank(sorted, 99), sorted.Length == 0 ? 0 : sorted[^1], sorted.Length);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
