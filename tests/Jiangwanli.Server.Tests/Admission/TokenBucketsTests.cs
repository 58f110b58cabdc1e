using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;

namespace Jiangwanli.Server.Tests.Admission;

public sealed class TokenBucketsTests
{
    [Fact]
    public void TryTake_BurstThenEmpty_RefusesUntilTokensAreEarned()
    {
        var time = new ManualTimeProvider();
        var buckets = new TokenBuckets(perSecond: 10, burst: 3, time);

        Assert.True(buckets.TryTake("k1"));
        Assert.True(buckets.TryTake("k1"));
        Assert.True(buckets.TryTake("k1"));
        Assert.False(buckets.TryTake("k1"));

        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(buckets.TryTake("k1"));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(buckets.TryTake("k1"));
        Assert.False(buckets.TryTake("k1"));
    }

    [Fact]
    public void TryTake_KeysAreIndependent()
    {
        var buckets = new TokenBuckets(perSecond: 1, burst: 1, new ManualTimeProvider());

        Assert.True(buckets.TryTake("a"));
        Assert.False(buckets.TryTake("a"));
        Assert.True(buckets.TryTake("b"));
    }

    [Fact]
    public void TryTake_LongIdle_CapsAtBurst()
    {
        var time = new ManualTimeProvider();
        var buckets = new TokenBuckets(perSecond: 100, burst: 2, time);
        time.Advance(TimeSpan.FromHours(1));

        Assert.True(buckets.TryTake("k"));
        Assert.True(buckets.TryTake("k"));
        Assert.False(buckets.TryTake("k"));
    }

    [Fact]
    public void AcquireAsync_KeyOverItsRate_IsRateLimitedWith429AndTakesNoSlot()
    {
        using var admission = new AdmissionControl(
            new AdmissionOptions { MaxConcurrency = 8, MaxDispatchDelay = TimeSpan.Zero, RateLimits = { PerKeyPerSecond = 1, Burst = 1 } },
            memoryLevel: null,
            new ManualTimeProvider(),
            meterFactory: null);

        Assert.Equal(AdmissionOutcome.Admitted, admission.AcquireAsync("client").Sync());
        Assert.Equal(AdmissionOutcome.RateLimited, admission.AcquireAsync("client").Sync());
        Assert.Equal(AdmissionOutcome.Admitted, admission.AcquireAsync(null).Sync());
        Assert.Equal(2, admission.Limiter.InFlight);
        Assert.Equal(429, AdmissionControl.ProblemFor(AdmissionOutcome.RateLimited).Status);
    }
}
