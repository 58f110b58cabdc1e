namespace Jiangwanli.Runtime.Memory;

/// <summary>Configuration of the <see cref="MemoryGovernor"/> (GOMEMLIMIT + the dynamic-GOGC controller).</summary>
public sealed class MemoryGovernorOptions
{
    /// <summary>The hard limit applied at start (<c>GCHeapHardLimit</c>). Null: leave the runtime's own limit.</summary>
    public MemoryLimit? Limit { get; set; }

    /// <summary>Lower bound for the controller's limit adaptation. Adaptation is on only when both bounds are set and min &lt; max.</summary>
    public MemoryLimit? MinLimit { get; set; }

    /// <summary>Upper bound for the controller's limit adaptation.</summary>
    public MemoryLimit? MaxLimit { get; set; }

    /// <summary>How often the controller runs. Default 5 s (the handbook's GOGC update period).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cumulative count of requests served, read each interval to compute the request rate. Null: load is unknown (treated as light).</summary>
    public Func<long>? RequestCount { get; set; }

    /// <summary>Requests per second at or above which the load is high. Default 5000.</summary>
    public double HighLoadRequestsPerSecond { get; set; } = 5000;

    /// <summary>Requests per second at or below which the load is light. Default 500.</summary>
    public double LowLoadRequestsPerSecond { get; set; } = 500;

    /// <summary>Switch to <c>SustainedLowLatency</c> under high load (no blocking gen2 while busy) and back when light or under memory pressure. Default on.</summary>
    public bool AdaptLatencyMode { get; set; } = true;

    /// <summary>Heap utilisation where admission pressure starts to rise above 0. Default 0.80.</summary>
    public double AdmissionSoftRatio { get; set; } = 0.80;

    /// <summary>Heap utilisation where admission pressure reaches 1 (shed). Default 0.95.</summary>
    public double AdmissionHardRatio { get; set; } = 0.95;

    /// <summary>Heap utilisation at or above which the limit is raised (within bounds) and the latency mode returns to interactive. Default 0.85.</summary>
    public double RaiseRatio { get; set; } = 0.85;

    /// <summary>Heap utilisation at or below which, under light load, the limit is lowered toward its base. Default 0.50.</summary>
    public double LowerRatio { get; set; } = 0.50;

    /// <summary>Relative size of one limit step. Default 0.10.</summary>
    public double LimitStep { get; set; } = 0.10;

    /// <summary>Minimum time between two automatic limit changes. Default 30 s.</summary>
    public TimeSpan LimitCooldown { get; set; } = TimeSpan.FromSeconds(30);
}
