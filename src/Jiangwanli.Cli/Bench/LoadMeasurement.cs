using HdrHistogram;

namespace Jiangwanli.Cli.Bench;

/// <summary>What a run measured in its window (after warm-up, before the end).</summary>
internal sealed class LoadMeasurement
{
    /// <summary>Latency of every response completed in the window, in microseconds.</summary>
    public required LongHistogram Latencies { get; init; }

    /// <summary>Latency of the 2xx responses alone (the admitted requests under overload), in microseconds.</summary>
    public LongHistogram SuccessLatencies { get; init; } = LatencySummary.NewHistogram();

    /// <summary>Responses by status and failures by kind, in the window.</summary>
    public required StatusSnapshot Counts { get; init; }

    /// <summary>Length of the window, as measured.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Connections open when the clock started.</summary>
    public required int Connected { get; init; }

    /// <summary>Connections attempted.</summary>
    public required int Connections { get; init; }

    /// <summary>Open loop: requests that fell due in the window; null for closed loop.</summary>
    public long? Scheduled { get; init; }

    /// <summary>CPU time (user + system) this process spent during the window: the load tool's own cost.</summary>
    public TimeSpan ClientCpu { get; init; }

    /// <summary>True when the run was cut short (Ctrl-C).</summary>
    public bool Interrupted { get; init; }

    /// <summary>Successful (2xx) responses per second over the window.</summary>
    public double Throughput => ReportMath.Throughput(Counts.Successes, Elapsed);
}
