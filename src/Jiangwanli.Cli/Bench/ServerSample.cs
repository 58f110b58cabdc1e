namespace Jiangwanli.Cli.Bench;

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

    /// <summary>Peak memory, bytes (see <see cref="PeakMemorySource"/>).</summary>
    public long? PeakMemoryBytes { get; init; }

    /// <summary>Where <see cref="PeakMemoryBytes"/> came from: <c>VmHWM</c>, <c>rss-sampled</c>, <c>heap-committed-sampled</c>.</summary>
    public string? PeakMemorySource { get; init; }

    /// <summary>The server's process id, when known.</summary>
    public int? ProcessId { get; init; }

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

        return new ServerStats
        {
            GcCount = ReportMath.Delta(start?.GcCount, end?.GcCount),
            Gen2Count = ReportMath.Delta(start?.Gen2Count, end?.Gen2Count),
            GcPauseMs = ReportMath.Delta(start?.GcPauseMs, end?.GcPauseMs),
            PeakMemoryBytes = peak,
            PeakMemorySource = source,
            ProcessId = processId,
        };
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
