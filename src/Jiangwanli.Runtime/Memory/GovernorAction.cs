namespace Jiangwanli.Runtime.Memory;

/// <summary>What the memory governor did.</summary>
public enum GovernorActionKind
{
    /// <summary>The hard limit was set (configuration or <c>/admin/runtime</c>).</summary>
    LimitSet,

    /// <summary>The hard limit was removed (back to the container/physical limit).</summary>
    LimitCleared,

    /// <summary>The controller raised the hard limit (heap utilisation high, below the upper bound).</summary>
    LimitRaised,

    /// <summary>The controller lowered the hard limit (light load, low utilisation, above the base).</summary>
    LimitLowered,

    /// <summary>The GC latency mode was changed.</summary>
    LatencyModeChanged,

    /// <summary>The admission level (normal / throttle / shed) changed.</summary>
    AdmissionLevelChanged,
}

/// <summary>How hard the server's admission control should push back, from heap utilisation.</summary>
public enum AdmissionLevel
{
    /// <summary>Admit normally.</summary>
    Normal,

    /// <summary>Shrink the admission limit in proportion to <see cref="MemoryGovernor.AdmissionPressure"/>.</summary>
    Throttle,

    /// <summary>Shed new work: the heap is at the hard threshold.</summary>
    Shed,
}

/// <summary>One action of the governor, reported to the observer and counted.</summary>
/// <param name="Kind">What was done.</param>
/// <param name="Succeeded">Whether the runtime accepted it (a limit below committed memory is refused).</param>
/// <param name="From">The value before, as text.</param>
/// <param name="To">The value asked for, as text.</param>
/// <param name="Reason">Why, e.g. <c>heap utilisation 0.91 ≥ 0.85</c> or <c>admin</c>.</param>
/// <param name="At">When.</param>
public sealed record GovernorAction(GovernorActionKind Kind, bool Succeeded, string From, string To, string Reason, DateTimeOffset At);
