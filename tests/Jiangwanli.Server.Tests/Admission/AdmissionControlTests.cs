using Jiangwanli.Runtime.Memory;
using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;

namespace Jiangwanli.Server.Tests.Admission;

public sealed class AdmissionControlTests
{
    [Fact]
    public void AcquireAsync_MemoryThrottle_HalvesTheLimit()
    {
        var level = AdmissionLevel.Normal;
        var admission = Create(limit: 8, () => level);
        Assert.Equal(AdmissionOutcome.Admitted, admission.AcquireAsync().Sync());
        Assert.Equal(8, admission.Limiter.Limit);

        level = AdmissionLevel.Throttle;
        _ = admission.AcquireAsync().Sync();

        Assert.Equal(4, admission.Limiter.Limit);
        Assert.Equal(8, admission.BaseLimit);

        level = AdmissionLevel.Normal;
        _ = admission.AcquireAsync().Sync();
        Assert.Equal(8, admission.Limiter.Limit);
    }

    [Fact]
    public void AcquireAsync_MemoryShed_RefusesWithReasonMemory()
    {
        var level = AdmissionLevel.Shed;
        var admission = Create(limit: 8, () => level);

        var outcome = admission.AcquireAsync().Sync();

        Assert.Equal(AdmissionOutcome.Memory, outcome);
        Assert.Equal(0, admission.Limiter.InFlight);
        Assert.Equal(1, admission.MemoryRejectedCount);
        Assert.Equal("memory", AdmissionControl.ProblemFor(outcome).Reason);
        Assert.Equal(503, AdmissionControl.ProblemFor(outcome).Status);
    }

    [Theory]
    [InlineData((int)AdmissionOutcome.Overloaded, "overloaded")]
    [InlineData((int)AdmissionOutcome.QueueTimeout, "queue_timeout")]
    [InlineData((int)AdmissionOutcome.Memory, "memory")]
    public void ProblemFor_EachRefusal_IsA503WithItsReason(int outcome, string reason)
    {
        var problem = AdmissionControl.ProblemFor((AdmissionOutcome)outcome);

        Assert.Equal(503, problem.Status);
        Assert.Equal(reason, problem.Reason);
    }

    [Fact]
    public void SetBaseLimit_UnderThrottle_AppliesHalf()
    {
        var admission = Create(limit: 8, () => AdmissionLevel.Throttle);
        _ = admission.AcquireAsync().Sync();

        admission.SetBaseLimit(20);

        Assert.Equal(10, admission.Limiter.Limit);
    }

    private static AdmissionControl Create(int limit, Func<AdmissionLevel> level) => new(
        // No dispatch-delay guard: it would probe this test process's pool (and leave a thread behind per instance).
        new AdmissionOptions { MaxConcurrency = limit, MaxQueue = 4, MaxDispatchDelay = TimeSpan.Zero },
        level,
        new ManualTimeProvider(),
        meterFactory: null);
}
