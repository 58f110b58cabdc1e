namespace Jiangwanli.Runtime.Gc;

/// <summary>Why a GC ran (the runtime's <c>GCReason</c>).</summary>
public enum GcReason
{
    /// <summary>The small-object allocation budget ran out (the common case).</summary>
    AllocSmall = 0,

    /// <summary><c>GC.Collect()</c>.</summary>
    Induced = 1,

    /// <summary>The OS reported low memory.</summary>
    LowMemory = 2,

    /// <summary>Empty.</summary>
    Empty = 3,

    /// <summary>The large-object allocation budget ran out.</summary>
    AllocLarge = 4,

    /// <summary>No room in the small-object heap.</summary>
    OutOfSpaceSoh = 5,

    /// <summary>No room in the large-object heap.</summary>
    OutOfSpaceLoh = 6,

    /// <summary><c>GC.Collect</c> with optimized mode.</summary>
    InducedNotForced = 7,

    /// <summary>Internal (e.g. stress).</summary>
    Internal = 8,

    /// <summary>Induced by memory pressure notification.</summary>
    InducedLowMemory = 9,

    /// <summary><c>GC.Collect</c> asking for compaction.</summary>
    InducedCompacting = 10,

    /// <summary>The host reported low memory.</summary>
    LowMemoryHost = 11,

    /// <summary>Provisional-mode full GC.</summary>
    PMFullGC = 12,

    /// <summary>The host reported low memory (blocking).</summary>
    LowMemoryHostBlocking = 13,
}

/// <summary>How a GC ran.</summary>
public enum GcKind
{
    /// <summary>Blocking: the whole collection happens with threads suspended.</summary>
    Blocking = 0,

    /// <summary>Background gen2: marks concurrently, with two short pauses.</summary>
    Background = 1,

    /// <summary>An ephemeral GC during a background GC.</summary>
    Foreground = 2,
}

/// <summary>
/// One finished GC, as the in-process GC event listener saw it (the facts of one gctrace line).
/// Sizes are bytes; -1 means unknown (the listener attached mid-GC, or the runtime's
/// <see cref="GCMemoryInfo"/> had already moved on to a later GC).
/// </summary>
public readonly record struct GcRecord
{
    /// <summary>The GC's index (1-based count of GCs in the process).</summary>
    public long Index { get; init; }

    /// <summary>The generation collected (0, 1 or 2).</summary>
    public int Generation { get; init; }

    /// <summary>Why it ran.</summary>
    public GcReason Reason { get; init; }

    /// <summary>Blocking, background or foreground.</summary>
    public GcKind Kind { get; init; }

    /// <summary>Whether the GC compacted (false when unknown).</summary>
    public bool Compacted { get; init; }

    /// <summary>When the GC started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Total time managed threads were suspended for this GC (both pauses of a background GC).</summary>
    public TimeSpan Pause { get; init; }

    /// <summary>
    /// The part of <see cref="Pause"/> spent stopping the managed threads (suspension begin to end, summed over the
    /// GC's pauses); the rest is the GC's own work and the restart. Zero when the listener did not see it.
    /// </summary>
    public TimeSpan Suspension { get; init; }

    /// <summary>GC heap size before the GC, or -1.</summary>
    public long HeapBeforeBytes { get; init; }

    /// <summary>GC heap size after the GC.</summary>
    public long HeapAfterBytes { get; init; }

    /// <summary>Bytes that survived (were promoted), or -1.</summary>
    public long PromotedBytes { get; init; }

    /// <summary>Committed GC memory after the GC, or -1.</summary>
    public long CommittedBytes { get; init; }

    /// <summary>Fragmentation (free space inside the heap) after the GC, or -1.</summary>
    public long FragmentedBytes { get; init; }

    /// <summary>The memory the GC may use (hard limit, container limit or physical memory), or -1.</summary>
    public long LimitBytes { get; init; }

    /// <summary>The runtime's process-lifetime percentage of time spent paused, or -1.</summary>
    public double PauseTimePercentage { get; init; }
}
