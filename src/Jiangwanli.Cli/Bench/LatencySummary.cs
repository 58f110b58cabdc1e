using HdrHistogram;

namespace Jiangwanli.Cli.Bench;

/// <summary>The latency percentiles of a run, in microseconds.</summary>
internal readonly record struct LatencySummary(long Count, double Mean, long P50, long P90, long P99, long P999, long Max)
{
    /// <summary>Lowest latency the histograms tell apart: 1 µs.</summary>
    public const long LowestMicros = 1;

    /// <summary>Highest latency recorded exactly (1 h); longer ones are clamped to it.</summary>
    public const long HighestMicros = 3_600_000_000;

    /// <summary>Significant decimal digits kept (≤ 0.1 % error on any value).</summary>
    public const int SignificantDigits = 3;

    /// <summary>An empty histogram with the ranges every bench histogram uses.</summary>
    public static LongHistogram NewHistogram() => new(LowestMicros, HighestMicros, SignificantDigits);

    /// <summary>A thread-safe interval recorder with the same ranges.</summary>
    public static Recorder NewRecorder() =>
        new(LowestMicros, HighestMicros, SignificantDigits, static (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));

    /// <summary>Reads the percentiles from <paramref name="histogram"/> (all zero when it is empty).</summary>
    public static LatencySummary From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return default;
        }

        return new LatencySummary(
            histogram.TotalCount,
            histogram.GetMean(),
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.GetMaxValue());
    }
}
