using CsCheck;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class ReportMathTests
{
    [Fact]
    public void From_UniformOneToTenThousandMicros_GivesTheKnownPercentilesWithinPrecision()
    {
        var histogram = LatencySummary.NewHistogram();
        for (long v = 1; v <= 10_000; v++)
        {
            histogram.RecordValue(v);
        }

        var s = LatencySummary.From(histogram);
        Assert.Equal(10_000, s.Count);
        AssertWithinPrecision(5_000, s.P50);
        AssertWithinPrecision(9_000, s.P90);
        AssertWithinPrecision(9_900, s.P99);
        AssertWithinPrecision(9_990, s.P999);
        AssertWithinPrecision(10_000, s.Max);
        Assert.Equal(5_000.5, s.Mean, 5_000.5 * 0.001);
    }

    [Fact]
    public void From_AnySample_PercentilesMatchTheSortedValuesWithinPrecision()
    {
        Gen.Long[1, 60_000_000].Array[1, 2_000].Sample(values =>
        {
            var histogram = LatencySummary.NewHistogram();
            foreach (var v in values)
            {
                histogram.RecordValue(v);
            }

            var sorted = values.Order().ToArray();
            var s = LatencySummary.From(histogram);
            return Close(NearestRank(sorted, 50), s.P50)
                && Close(NearestRank(sorted, 90), s.P90)
                && Close(NearestRank(sorted, 99), s.P99)
                && Close(NearestRank(sorted, 99.9), s.P999)
                && Close(sorted[^1], s.Max)
                && s.P50 <= s.P90 && s.P90 <= s.P99 && s.P99 <= s.P999 && s.P999 <= s.Max;
        }, iter: 200);
    }

    [Fact]
    public void From_EmptyHistogram_IsAllZero()
    {
        Assert.Equal(default, LatencySummary.From(LatencySummary.NewHistogram()));
    }

    [Theory]
    [InlineData(50_000, 10.0, 5_000.0)]
    [InlineData(0, 10.0, 0.0)]
    [InlineData(123, 0.0, 0.0)]
    [InlineData(3, 0.5, 6.0)]
    public void Throughput_SuccessesOverElapsed_IsPerSecond(long successes, double seconds, double expected)
    {
        Assert.Equal(expected, ReportMath.Throughput(successes, TimeSpan.FromSeconds(seconds)), 9);
    }

    [Fact]
    public void RatioToBare_KnownBare_IsTheQuotient()
    {
        Assert.Equal(0.7, ReportMath.RatioToBare(70_000, 100_000)!.Value, 12);
        Assert.Equal(1.25, ReportMath.RatioToBare(125, 100)!.Value, 12);
    }

    [Fact]
    public void RatioToBare_NoOrZeroBare_IsUnknown()
    {
        Assert.Null(ReportMath.RatioToBare(70_000, null));
        Assert.Null(ReportMath.RatioToBare(70_000, 0));
    }

    [Theory]
    [InlineData(1_500_000L, 1_000_000_000L, 1_500L)]
    [InlineData(1_500L, 1_000_000L, 1_500L)]
    [InlineData(999L, 1_000_000_000L, 0L)]
    [InlineData(-5L, 1_000_000_000L, 0L)]
    [InlineData(long.MaxValue, 1_000_000_000L, LatencySummary.HighestMicros)]
    public void Microseconds_Ticks_ConvertAndClamp(long ticks, long frequency, long expected)
    {
        Assert.Equal(expected, ReportMath.Microseconds(ticks, frequency));
    }

    [Fact]
    public void Delta_Counters_AreTheGrowthOrUnknown()
    {
        Assert.Equal(5L, ReportMath.Delta(10L, 15L));
        Assert.Null(ReportMath.Delta(null, 15L));
        Assert.Null(ReportMath.Delta(10L, (long?)null));
        Assert.Null(ReportMath.Delta(10L, 3L)); // the server restarted in between
        Assert.Equal(2.5, ReportMath.Delta(1.0, 3.5));
    }

    // HdrHistogram's rank: the value below or at which round(p% of n) of the n values lie (at least the first).
    private static long NearestRank(long[] sorted, double percentile)
    {
        var rank = (long)((percentile / 100.0 * sorted.Length) + 0.5);
        return sorted[Math.Clamp((int)rank, 1, sorted.Length) - 1];
    }

    // Three significant digits: a reported value is within 0.1 % of the true one (HdrHistogram reports the highest
    // value equivalent to the recorded one, so it may be a little above).
    private static bool Close(long expected, long actual) => Math.Abs(actual - expected) <= Math.Max(1, expected / 1000.0 * 1.1);

    private static void AssertWithinPrecision(long expected, long actual) =>
        Assert.True(Close(expected, actual), $"expected {expected} ± 0.1 %, got {actual}");
}

public sealed class StatusTallyTests
{
    [Fact]
    public void Snapshot_CountsByStatusAndError()
    {
        var tally = new StatusTally();
        tally.Add(ExchangeOutcome.Status(200));
        tally.Add(ExchangeOutcome.Status(200));
        tally.Add(ExchangeOutcome.Status(204));
        tally.Add(ExchangeOutcome.Status(503));
        tally.Add(ExchangeOutcome.Failed(BenchError.Timeout));
        tally.Add(ExchangeOutcome.Failed(BenchError.Connect));
        tally.Status(999);
        var s = tally.Snapshot();
        Assert.Equal(3, s.Successes);
        Assert.Equal(5, s.Responses);
        Assert.Equal(2, s.Errors);
        Assert.Equal(1, s.Code(503));
        Assert.Equal(1, s.Code(0));
        Assert.Equal(1, s.Error(BenchError.Timeout));
        Assert.Equal([0, 200, 204, 503], s.Codes().Select(c => c.Key));
    }

    [Fact]
    public void Minus_EarlierSnapshot_GivesThePhaseCounts()
    {
        var tally = new StatusTally();
        tally.Status(200);
        tally.Error(BenchError.Read);
        var warmup = tally.Snapshot();
        tally.Status(200);
        tally.Status(200);
        tally.Status(503);
        var window = tally.Snapshot().Minus(warmup);
        Assert.Equal(2, window.Successes);
        Assert.Equal(3, window.Responses);
        Assert.Equal(0, window.Errors);
        Assert.Equal(1, window.Code(503));
    }

    [Fact]
    public void Add_ConcurrentWriters_LoseNothing()
    {
        var tally = new StatusTally();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                tally.Status(200);
            }
        });
        Assert.Equal(80_000, tally.Snapshot().Successes);
    }
}
