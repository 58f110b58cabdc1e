namespace Jiangwanli.Cli.Bench;

/// <summary>The arithmetic of a bench report, kept apart from I/O so that it can be tested on synthetic numbers.</summary>
internal static class ReportMath
{
    /// <summary>Successful responses per second over <paramref name="elapsed"/>; 0 for an empty interval.</summary>
    public static double Throughput(long successes, TimeSpan elapsed) =>
        elapsed <= TimeSpan.Zero ? 0 : successes / elapsed.TotalSeconds;

    /// <summary>
    /// <paramref name="throughput"/> as a fraction of the bare endpoint's; null when there is no bare figure or it is 0
    /// (a ratio to nothing means nothing).
    /// </summary>
    public static double? RatioToBare(double throughput, double? bareThroughput) =>
        bareThroughput is > 0 ? throughput / bareThroughput.Value : null;

    /// <summary>Converts a timestamp difference to whole microseconds, clamped to the histogram's range.</summary>
    public static long Microseconds(long elapsedTicks, long timestampFrequency)
    {
        if (elapsedTicks <= 0)
        {
            return 0;
        }

        var micros = elapsedTicks * (1_000_000.0 / timestampFrequency);
        return micros >= LatencySummary.HighestMicros ? LatencySummary.HighestMicros : (long)micros;
    }

    /// <summary>A counter's growth between two readings; null unless both exist. A counter that went down (the server restarted) gives null too.</summary>
    public static long? Delta(long? before, long? after) =>
        before is { } b && after is { } a && a >= b ? a - b : null;

    /// <summary>
    /// The <paramref name="percentile"/>th percentile of ascending <paramref name="sorted"/> by nearest rank (the
    /// smallest value with at least that share of the values at or below it); 0 for no values.
    /// </summary>
    public static double NearestRank(IReadOnlyList<double> sorted, double percentile)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>A gauge-style delta for a running total that is a double (GC pause milliseconds).</summary>
    public static double? Delta(double? before, double? after) =>
        before is { } b && after is { } a && a >= b ? a - b : null;
}
