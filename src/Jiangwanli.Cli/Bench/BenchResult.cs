namespace Jiangwanli.Cli.Bench;

/// <summary>The outcome of driving one target.</summary>
internal sealed record BenchResult
{
    /// <summary><c>bare</c> or <c>url</c>.</summary>
    public required string Target { get; init; }

    /// <summary>The URL posted to.</summary>
    public required Uri Url { get; init; }

    /// <summary>What was measured.</summary>
    public required LoadMeasurement Measurement { get; init; }

    /// <summary>The server's runtime over the window.</summary>
    public required ServerStats Server { get; init; }

    /// <summary>Throughput over the bare endpoint's from the same invocation, when measured.</summary>
    public double? RatioToBare { get; init; }

    /// <summary>Latency percentiles of the window.</summary>
    public LatencySummary Latency => LatencySummary.From(Measurement.Latencies);

    /// <summary>Latency percentiles of the 2xx responses alone.</summary>
    public LatencySummary SuccessLatency => LatencySummary.From(Measurement.SuccessLatencies);

    /// <summary>Successful responses per second.</summary>
    public double Throughput => Measurement.Throughput;
}

/// <summary>Everything one invocation measured, for the table, the JSON and the markdown.</summary>
internal sealed record BenchReport
{
    /// <summary>The options of the invocation.</summary>
    public required BenchOptions Options { get; init; }

    /// <summary>One result per target, bare first.</summary>
    public required IReadOnlyList<BenchResult> Results { get; init; }

    /// <summary>When the report was made.</summary>
    public required DateTimeOffset Finished { get; init; }

    /// <summary>Caveats to print with the numbers.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
