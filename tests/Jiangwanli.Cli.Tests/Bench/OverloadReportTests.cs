using System.Text;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

/// <summary>
/// The figures an overload run is judged on: p99 of the admitted (2xx) requests apart from the fast refusals, every
/// refusal carrying Retry-After, and the server's GC pause p99 over the measured window.
/// </summary>
public sealed class OverloadReportTests
{
    [Fact]
    public void LatencyBook_FastRefusalsAndSlowSuccesses_SuccessP99IsTheSlowOnes()
    {
        var book = new LatencyBook();
        for (var i = 0; i < 990; i++)
        {
            book.Record(ExchangeOutcome.Status(503, retryAfter: true), 100);
        }

        for (var i = 0; i < 10; i++)
        {
            book.Record(ExchangeOutcome.Status(200), 50_000);
        }

        book.Record(ExchangeOutcome.Failed(BenchError.Timeout), 9_000_000);

        var (all, success) = book.TakeInterval();
        var everything = LatencySummary.From(all);
        var admitted = LatencySummary.From(success);

        Assert.Equal(1000, everything.Count); // the failure has no status, so no latency
        AssertWithinPrecision(100, everything.P99); // the refusals hide the admitted requests' latency...
        Assert.Equal(10, admitted.Count);
        AssertWithinPrecision(50_000, admitted.P50); // ...which the 2xx histogram shows
        AssertWithinPrecision(50_000, admitted.P99);
    }

    [Fact]
    public void LatencyBook_TakeInterval_StartsAfreshEachTime()
    {
        var book = new LatencyBook();
        book.Record(ExchangeOutcome.Status(200), 10);
        _ = book.TakeInterval();
        book.Record(ExchangeOutcome.Status(204), 20);

        var (all, success) = book.TakeInterval();

        Assert.Equal(1, all.TotalCount);
        Assert.Equal(1, success.TotalCount);
    }

    [Theory]
    [InlineData(503, true, 0)]
    [InlineData(503, false, 1)]
    [InlineData(429, false, 1)]
    [InlineData(200, false, 0)]
    [InlineData(500, false, 0)]
    public void StatusTally_RefusalWithoutRetryAfter_IsCounted(int status, bool retryAfter, long expected)
    {
        var tally = new StatusTally();
        var before = tally.Snapshot();
        tally.Add(ExchangeOutcome.Status(status, retryAfter));

        var phase = tally.Snapshot().Minus(before);

        Assert.Equal(expected, phase.MissingRetryAfter);
        Assert.Equal(1, phase.Code(status));
    }

    [Theory]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nretry-after:  5 \r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nRetry-After:\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 100 Continue\r\nRetry-After: 1\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", false)]
    public void Parse_RetryAfterHeader_IsSeenOnlyWhenPresentAndNonEmpty(string response, bool expected)
    {
        var parser = default(HttpResponseParser);
        parser.Reset();

        var status = parser.Parse(Encoding.ASCII.GetBytes(response), out _);

        Assert.Equal(ResponseParseStatus.Complete, status);
        Assert.Equal(503, parser.StatusCode);
        Assert.Equal(expected, parser.HasRetryAfter);
        parser.Reset();
        Assert.False(parser.HasRetryAfter);
    }

    [Theory]
    [InlineData(new double[0], 99, 0)]
    [InlineData(new double[] { 5 }, 99, 5)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 50, 5)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 99, 10)]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 90, 9)]
    public void NearestRank_KnownSamples_GivesTheRankedValue(double[] sorted, double percentile, double expected)
    {
        Assert.Equal(expected, ReportMath.NearestRank(sorted, percentile));
    }

    [Fact]
    public void PercentileUpperBound_NearestRank_IsTheBoundOfItsBucket()
    {
        // 100 observations: 90 at most 1 ms, 9 more at most 10 ms, 1 beyond 100 ms.
        var h = new HistogramBuckets([0.001, 0.01, 0.1, double.PositiveInfinity], [90, 99, 99, 100]);

        Assert.Equal(0.001, h.PercentileUpperBound(50));
        Assert.Equal(0.001, h.PercentileUpperBound(90));
        Assert.Equal(0.01, h.PercentileUpperBound(90.5));
        Assert.Equal(0.01, h.PercentileUpperBound(99));
        Assert.Equal(double.PositiveInfinity, h.PercentileUpperBound(100));
        Assert.Null(new HistogramBuckets([0.001, double.PositiveInfinity], [0, 0]).PercentileUpperBound(99));
    }

    [Fact]
    public void Combine_DecisionHistogramAtStartAndEnd_IsTheWindowsDifference()
    {
        double[] bounds = [0.001, 0.01, double.PositiveInfinity];
        var start = new ServerSample { DecisionLatency = new HistogramBuckets(bounds, [1_000, 1_000, 1_000]) };
        var end = new ServerSample { DecisionLatency = new HistogramBuckets(bounds, [1_098, 1_199, 1_200]) };

        var stats = ServerStats.Combine(start, end, [], processId: null);

        Assert.NotNull(stats.DecisionLatency);
        Assert.Equal([98L, 199, 200], stats.DecisionLatency.Cumulative);
        Assert.Equal(0.01, stats.DecisionLatency.PercentileUpperBound(99));
        Assert.Null(ServerStats.Combine(null, end, [], processId: null).DecisionLatency);
        Assert.Same(end.DecisionLatency, ServerStats.Combine(new ServerSample { DecisionLatency = HistogramBuckets.Empty }, end, [], null).DecisionLatency);
        Assert.Null(end.DecisionLatency!.Since(new HistogramBuckets([0.5, double.PositiveInfinity], [1, 1])));
    }

    [Fact]
    public void WindowPauses_OverlappingReadings_CountsEachGcOfTheWindowOnce()
    {
        var start = new ServerSample { GcIndex = 10, RecentPauses = [new(9, 0, 50), new(10, 0, 40)] };
        var samples = new List<ServerSample>
        {
            new() { GcIndex = 13, RecentPauses = [new(10, 0, 40), new(11, 0, 0.2), new(12, 1, 0.4), new(13, 0, 0.3)] },
            new() { GcIndex = 14, RecentPauses = [new(12, 1, 0.4), new(13, 0, 0.3), new(14, 2, 3.0)] },
            new() { GcIndex = 14 }, // a reading without records (e.g. from /metrics) adds nothing
        };

        var (p99, max, seen) = ServerStats.WindowPauses(start, samples);

        Assert.Equal(4, seen); // 11..14: not 9 or 10, which ran before the window (warm-up)
        Assert.Equal(3.0, p99);
        Assert.Equal(3.0, max);
    }

    [Fact]
    public void WindowPauses_NoGcInTheWindow_IsZeroOverZero()
    {
        var start = new ServerSample { GcIndex = 10, RecentPauses = [new(10, 0, 40)] };

        var (p99, max, seen) = ServerStats.WindowPauses(start, [start with { }]);

        Assert.Equal(0, seen);
        Assert.Equal(0, p99);
        Assert.Equal(0, max);
    }

    [Fact]
    public void WindowPauses_NoPerGcRecords_IsUnknown()
    {
        var start = new ServerSample { GcCount = 5 };

        var (p99, _, seen) = ServerStats.WindowPauses(start, [new ServerSample { GcCount = 9 }]);

        Assert.Null(p99);
        Assert.Null(seen);
    }

    [Fact]
    public void ParseGcDocument_RecentRecords_AreRead()
    {
        var json = """
            {"index":42,"collections":{"gen0":40,"gen1":1,"gen2":1,"total":42},
             "pauses":{"totalMs":12.5,"recent":[{"index":42,"generation":0,"pauseMs":0.25},{"index":41,"generation":2,"pauseMs":1.5},{"index":40}]}}
            """u8;

        var sample = RuntimeStatsText.ParseGcDocument(json)!;

        Assert.Equal(42, sample.GcIndex);
        Assert.Equal([new GcPause(42, 0, 0.25), new GcPause(41, 2, 1.5)], sample.RecentPauses);
    }

    private static void AssertWithinPrecision(long expected, long actual) =>
        Assert.InRange(actual, expected - (expected / 1000) - 1, expected + (expected / 1000) + 1);
}
