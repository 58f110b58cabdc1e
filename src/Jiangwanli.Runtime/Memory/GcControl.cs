using System.Runtime;

namespace Jiangwanli.Runtime.Memory;

/// <summary>The process-wide GC knobs the governor turns; faked in tests.</summary>
internal interface IGcControl
{
    /// <summary>The memory the GC may use now (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>).</summary>
    long TotalAvailableMemoryBytes { get; }

    /// <summary>Committed GC memory (at the last GC) or the current heap size, whichever is larger.</summary>
    long UsedBytes { get; }

    GCLatencyMode LatencyMode { get; set; }

    /// <summary>Sets <c>GCHeapHardLimit</c> (0 removes it) and makes the GC re-read its limits.</summary>
    /// <exception cref="InvalidOperationException">The runtime refused (e.g. below committed memory); the previous setting stays.</exception>
    void ApplyHardLimit(long bytes);
}

/// <summary>The real process, through <see cref="AppContext.SetData"/> and <see cref="GC.RefreshMemoryLimit"/>.</summary>
internal sealed class ProcessGcControl : IGcControl
{
    private const string HardLimitKey = "GCHeapHardLimit";

    public static ProcessGcControl Instance { get; } = new();

    public long TotalAvailableMemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    public long UsedBytes => Math.Max(GC.GetGCMemoryInfo().TotalCommittedBytes, GC.GetTotalMemory(forceFullCollection: false));

    public GCLatencyMode LatencyMode
    {
        get => GCSettings.LatencyMode;
        set => GCSettings.LatencyMode = value;
    }

    public void ApplyHardLimit(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        var previous = AppContext.GetData(HardLimitKey);
        AppContext.SetData(HardLimitKey, (ulong)bytes);
        try
        {
            GC.RefreshMemoryLimit();
        }
        catch (InvalidOperationException)
        {
            // Leave the configuration as the GC still has it, so that a later refresh (ours or
            // anyone's) does not apply the refused value.
            AppContext.SetData(HardLimitKey, previous);
            throw;
        }
    }
}
