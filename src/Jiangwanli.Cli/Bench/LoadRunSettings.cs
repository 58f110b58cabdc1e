namespace Jiangwanli.Cli.Bench;

/// <summary>How one target is driven.</summary>
internal sealed record LoadRunSettings
{
    /// <summary>Concurrent keep-alive connections.</summary>
    public required int Connections { get; init; }

    /// <summary>Open loop at this many requests a second; null for closed loop (each connection as fast as answered).</summary>
    public double? Rate { get; init; }

    /// <summary>The measured part of the run.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Load before measuring (JIT, pools, caches, connection setup on the server).</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>A response slower than this is a timeout; the connection is dropped and re-opened.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for one connection to open.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time for opening all connections before the clock starts.</summary>
    public TimeSpan ConnectPhaseLimit { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connections opened at once before the clock starts (a listen backlog is finite).</summary>
    public int ConnectParallelism { get; init; } = 256;
}

/// <summary>Where a run is.</summary>
internal enum BenchPhase
{
    /// <summary>Load is on but nothing is measured yet.</summary>
    Warmup,

    /// <summary>Responses now count.</summary>
    Measure,
}

/// <summary>One second of a run, for the live display.</summary>
/// <param name="Phase">Warm-up or measuring.</param>
/// <param name="Elapsed">Time since the load started.</param>
/// <param name="Remaining">Time until the run ends.</param>
/// <param name="ResponsesPerSecond">Responses (any status) completed per second in the interval.</param>
/// <param name="Latency">Latency of the interval's responses.</param>
/// <param name="Counts">Counts since the load started.</param>
internal sealed record IntervalReport(BenchPhase Phase, TimeSpan Elapsed, TimeSpan Remaining, double ResponsesPerSecond, LatencySummary Latency, StatusSnapshot Counts);

/// <summary>Callbacks from a run, on its ticker task: keep them short.</summary>
internal interface ILoadObserver
{
    /// <summary>Once a second, and at the phase boundaries.</summary>
    void OnInterval(IntervalReport report);

    /// <summary>Warm-up is over; from now on responses count.</summary>
    void OnMeasureStart();

    /// <summary>The measured window closed; load is being stopped.</summary>
    void OnMeasureEnd();
}
