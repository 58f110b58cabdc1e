using CsCheck;
using Jiangwanli.Server.Admission;

namespace Jiangwanli.Server.Tests.Admission;

/// <summary>The adaptive limit on synthetic latencies (one call = one sample window).</summary>
public sealed class GradientLimitTests
{
    private const double Baseline = 0.001; // 1 ms

    [Fact]
    public void Update_SteadyLatencyAndBusy_GrowsTowardTheUpperBound()
    {
        var limit = new GradientLimit(initial: 20, min: 2, max: 200);

        var previous = limit.Limit;
        for (var i = 0; i < 50; i++)
        {
            limit.Update(Baseline, inFlight: limit.Limit);
            Assert.True(limit.Limit >= previous, $"shrank from {previous} to {limit.Limit} at steady latency");
            previous = limit.Limit;
        }

        Assert.True(limit.Limit > 20, $"did not grow: {limit.Limit}");
    }

    [Fact]
    public void Update_RisingLatency_LowersTheLimit()
    {
        var limit = Warm(new GradientLimit(initial: 100, min: 2, max: 200));
        var before = limit.Limit;

        for (var i = 0; i < 10; i++)
        {
            limit.Update(Baseline * 5, inFlight: limit.Limit);
        }

        Assert.True(limit.Limit < before / 2, $"limit {before} -> {limit.Limit} after latency rose 5x");
    }

    [Fact]
    public void Update_LatencyFallsBack_GrowsTheLimitAgain()
    {
        var limit = Warm(new GradientLimit(initial: 100, min: 2, max: 200));
        for (var i = 0; i < 20; i++)
        {
            limit.Update(Baseline * 5, inFlight: limit.Limit);
        }

        var low = limit.Limit;
        for (var i = 0; i < 30; i++)
        {
            limit.Update(Baseline, inFlight: limit.Limit);
        }

        Assert.True(limit.Limit > low + 20, $"limit {low} -> {limit.Limit} after latency recovered");
    }

    [Fact]
    public void Update_AppLimited_HoldsTheLimit()
    {
        var limit = Warm(new GradientLimit(initial: 100, min: 2, max: 200));
        var before = limit.Limit;

        limit.Update(Baseline * 10, inFlight: 3);
        limit.Update(Baseline / 10, inFlight: 3);

        Assert.Equal(before, limit.Limit);
    }

    [Fact]
    public void Update_AnyLatencies_StayWithinBounds()
    {
        Gen.Double[1e-6, 10].Array[1, 200].Sample(latencies =>
        {
            var limit = new GradientLimit(initial: 10, min: 4, max: 40);
            foreach (var rtt in latencies)
            {
                var value = limit.Update(rtt, inFlight: limit.Limit);
                Assert.InRange(value, 4, 40);
            }
        });
    }

    [Fact]
    public void Update_NonPositiveOrInfiniteLatency_IsIgnored()
    {
        var limit = new GradientLimit(initial: 10, min: 4, max: 40);

        Assert.Equal(10, limit.Update(0, inFlight: 10));
        Assert.Equal(10, limit.Update(double.NaN, inFlight: 10));
        Assert.Equal(10, limit.Update(double.PositiveInfinity, inFlight: 10));
        Assert.Equal(0, limit.LongRtt);
    }

    /// <summary>Builds a long-term RTT at the baseline and checks the limit grew from its start.</summary>
    private static GradientLimit Warm(GradientLimit limit)
    {
        for (var i = 0; i < 20; i++)
        {
            limit.Update(Baseline, inFlight: limit.Limit);
        }

        Assert.InRange(limit.Limit, 100, 200);
        return limit;
    }
}
