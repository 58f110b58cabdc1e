using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class OpenLoopScheduleTests
{
    private const long Frequency = 1_000_000_000; // nanosecond ticks

    [Fact]
    public void DueTimestamp_FixedRate_IsEvenlySpacedFromTheStart()
    {
        var schedule = new OpenLoopSchedule(startTimestamp: 5_000, ratePerSecond: 1_000, Frequency);
        Assert.Equal(5_000, schedule.DueTimestamp(0));
        Assert.Equal(5_000 + 1_000_000, schedule.DueTimestamp(1));
        Assert.Equal(5_000 + 1_000_000_000, schedule.DueTimestamp(1_000));
    }

    [Fact]
    public void DueTimestamp_FractionalInterval_DoesNotDrift()
    {
        // 3 req/s: 333,333,333.3 ns apart; after 3 million requests the schedule is exactly 1e6 s in.
        var schedule = new OpenLoopSchedule(0, 3, Frequency);
        Assert.Equal(1_000_000L * Frequency, schedule.DueTimestamp(3_000_000));
    }

    [Theory]
    [InlineData(0, 1_000_000_000, 1_000)]
    [InlineData(500_000, 1_000_000_000, 999)]
    [InlineData(1_000_000_000, 1_000_000_000, 0)]
    [InlineData(-10, 2_000_000, 2)]
    public void CountDue_Window_CountsTheSlotsInside(long from, long to, long expected)
    {
        var schedule = new OpenLoopSchedule(0, 1_000, Frequency);
        Assert.Equal(expected, schedule.CountDue(from, to));
    }

    [Fact]
    public void LatencyOrigin_RequestAlreadyDueWhenClaimed_IsMeasuredFromDue()
    {
        Assert.Equal(100, OpenLoopSchedule.LatencyOrigin(due: 100, claimed: 5_000, sent: 5_010));
        Assert.Equal(100, OpenLoopSchedule.LatencyOrigin(due: 100, claimed: 100, sent: 120));
    }

    [Fact]
    public void LatencyOrigin_RequestClaimedEarly_IsMeasuredFromTheActualSend()
    {
        // Idle connection slept until due and woke 0.9 ms late: the client's own timer slack, not the server's doing.
        Assert.Equal(1_900_000, OpenLoopSchedule.LatencyOrigin(due: 1_000_000, claimed: 10, sent: 1_900_000));
    }

    [Fact]
    public void LatencyOrigin_StalledResponse_ChargesTheQueueingDelayToEveryRequestBehindIt()
    {
        // One connection, 1,000 req/s (due every 1 ms), the server answers in 100 µs — except request 10, which stalls
        // for 50 ms. Requests 11..65 fall due during the stall or while the backlog drains: request k is sent at
        // 60 + 0.1·(k−11) ms and answered 0.1 ms later, so its corrected latency is 59 − 0.9·k ms (49.1 ms … 0.5 ms).
        const long Millisecond = 1_000_000;
        var schedule = new OpenLoopSchedule(0, 1_000, Frequency);
        var corrected = LatencySummary.NewHistogram();
        var naive = LatencySummary.NewHistogram();
        long free = 0;
        for (long n = 0; n < 1_000; n++)
        {
            var due = schedule.DueTimestamp(n);
            var claimed = free;
            var sent = Math.Max(free, due);
            var done = sent + (n == 10 ? 50 * Millisecond : Millisecond / 10);
            corrected.RecordValue(ReportMath.Microseconds(done - OpenLoopSchedule.LatencyOrigin(due, claimed, sent), Frequency));
            naive.RecordValue(ReportMath.Microseconds(done - sent, Frequency));
            free = done;
        }

        // Without the correction, one slow request in a thousand: p99 is the 100 µs service time.
        Assert.Equal(100, naive.GetValueAtPercentile(99));
        Assert.Equal(100, naive.GetValueAtPercentile(99.9));

        // With it, 56 requests (5.6 %) are slow: the 950th value is request 60's 5.0 ms, the 990th request 20's 41.0 ms.
        var summary = LatencySummary.From(corrected);
        Assert.Equal(100, summary.P50);
        Assert.InRange(summary.P90, 100, 100);
        Assert.InRange(corrected.GetValueAtPercentile(95), 5_000, 5_003);
        Assert.InRange(summary.P99, 41_000, 41_031);
        Assert.InRange(summary.Max, 50_000, 50_031);
        Assert.True(summary.Mean > LatencySummary.From(naive).Mean * 5);
    }
}
