using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class ProgressDisplayTests
{
    [Fact]
    public void Line_Interval_ShowsRatePercentilesStatusesAndErrors()
    {
        var tally = new StatusTally();
        tally.Status(200);
        tally.Status(503);
        tally.Error(BenchError.Timeout);
        var report = new IntervalReport(
            BenchPhase.Measure,
            TimeSpan.FromSeconds(3),
            TimeSpan.FromSeconds(7),
            12_345.6,
            new LatencySummary(10, 500, P50: 812, P90: 900, P99: 1_500, P999: 2_000, Max: 3_000),
            tally.Snapshot());
        var line = ProgressDisplay.Line("bare", report);
        Assert.Equal("bare measure 3s | 12,346 resp/s | p50 812 µs p99 1.50 ms | 200: 1; 503: 1 | errors timeout: 1 | 7s left", line);
    }

    [Fact]
    public void Line_NoResponsesYet_SaysNa()
    {
        var report = new IntervalReport(BenchPhase.Warmup, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(9), 0, default, StatusSnapshot.Empty);
        Assert.Contains("warm-up", ProgressDisplay.Line("url", report), StringComparison.Ordinal);
        Assert.Contains("p50 n/a p99 n/a", ProgressDisplay.Line("url", report), StringComparison.Ordinal);
    }
}
