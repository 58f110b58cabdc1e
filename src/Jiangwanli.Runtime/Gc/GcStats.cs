using System.Runtime;

namespace Jiangwanli.Runtime.Gc;

/// <summary>A point-in-time reading of the process's GC counters and last-GC memory info.</summary>
internal readonly record struct GcStats
{
    public long Timestamp { get; init; }

    /// <summary>GCs of generation ≥ 0, ≥ 1 and 2 (<see cref="GC.CollectionCount"/> semantics).</summary>
    public long Count0 { get; init; }

    public long Count1 { get; init; }

    public long Count2 { get; init; }

    public long TotalAllocatedBytes { get; init; }

    public TimeSpan TotalPause { get; init; }

    public long LastIndex { get; init; }

    public long HeapSizeBytes { get; init; }

    public long CommittedBytes { get; init; }

    public long FragmentedBytes { get; init; }

    public long PromotedBytes { get; init; }

    public long LimitBytes { get; init; }

    public long HighMemoryLoadThresholdBytes { get; init; }

    public long MemoryLoadBytes { get; init; }

    public double PauseTimePercentage { get; init; }

    public GenerationStats[] Generations { get; init; }

    public GCLatencyMode LatencyMode { get; init; }

    public bool IsServerGC { get; init; }
}

/// <summary>Sizes of one generation around the last GC (0, 1, 2, LOH, POH).</summary>
internal readonly record struct GenerationStats(long SizeBeforeBytes, long SizeAfterBytes, long FragmentationBeforeBytes, long FragmentationAfterBytes);

/// <summary>Where the monitor reads GC state from; faked in tests.</summary>
internal interface IGcStatsSource
{
    GcStats Read(long timestamp);
}

/// <summary>The real process: <see cref="GC"/> counters and <see cref="GC.GetGCMemoryInfo()"/>.</summary>
internal sealed class ProcessGcStats : IGcStatsSource
{
    public static ProcessGcStats Instance { get; } = new();

    public GcStats Read(long timestamp)
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var generations = new GenerationStats[info.GenerationInfo.Length];
        for (var i = 0; i < generations.Length; i++)
        {
            var g = info.GenerationInfo[i];
            generations[i] = new GenerationStats(g.SizeBeforeBytes, g.SizeAfterBytes, g.FragmentationBeforeBytes, g.FragmentationAfterBytes);
        }

        return new GcStats
        {
            Timestamp = timestamp,
            Count0 = GC.CollectionCount(0),
            Count1 = GC.CollectionCount(1),
            Count2 = GC.CollectionCount(2),
            TotalAllocatedBytes = GC.GetTotalAllocatedBytes(precise: false),
            TotalPause = GC.GetTotalPauseDuration(),
            LastIndex = info.Index,
            HeapSizeBytes = info.HeapSizeBytes,
            CommittedBytes = info.TotalCommittedBytes,
            FragmentedBytes = info.FragmentedBytes,
            PromotedBytes = info.PromotedBytes,
            LimitBytes = info.TotalAvailableMemoryBytes,
            HighMemoryLoadThresholdBytes = info.HighMemoryLoadThresholdBytes,
            MemoryLoadBytes = info.MemoryLoadBytes,
            PauseTimePercentage = info.PauseTimePercentage,
            Generations = generations,
            LatencyMode = GCSettings.LatencyMode,
            IsServerGC = GCSettings.IsServerGC,
        };
    }
}
