using Jiangwanli.Server.Admission;
using Jiangwanli.Server.Configuration;

namespace Jiangwanli.Server.Tests.Admission;

/// <summary>The dispatch-delay guard's decision: shed on a standing thread-pool backlog, not on one late probe.</summary>
public sealed class DispatchDelayGuardTests
{
    private const long Limit = 1_000;

    [Fact]
    public void Evaluate_NoProbesYet_DoesNotShed()
    {
        Assert.False(new DispatchDelayWindow(Limit).Evaluate(0));
    }

    [Fact]
    public void Evaluate_EveryRecentProbeLate_Sheds()
    {
        var window = new DispatchDelayWindow(Limit);
        for (var i = 0; i < DispatchDelayWindow.Samples; i++)
        {
            Assert.False(window.Evaluate(0), $"shed after only {i} late probes");
            window.Record(Limit + 1);
        }

        Assert.True(window.Evaluate(0));
    }

    [Fact]
    public void Evaluate_OneLateProbeAmongPromptOnes_DoesNotShed()
    {
        // A GC pause or a burst: one probe waited, the pool is not backlogged.
        var window = new DispatchDelayWindow(Limit);
        for (var i = 0; i < DispatchDelayWindow.Samples; i++)
        {
            window.Record(i == 7 ? 50 * Limit : Limit / 10);
        }

        Assert.False(window.Evaluate(0));
    }

    [Fact]
    public void Evaluate_OnePromptProbeAfterBacklog_StopsShedding()
    {
        var window = new DispatchDelayWindow(Limit);
        for (var i = 0; i < DispatchDelayWindow.Samples; i++)
        {
            window.Record(10 * Limit);
        }

        Assert.True(window.Evaluate(0));
        window.Record(Limit); // at the limit is not over it
        Assert.False(window.Evaluate(0));
    }

    [Fact]
    public void Evaluate_ProbeStuckInQueue_ShedsAfterFourLimits()
    {
        // So deep a backlog that probes stop coming back: the age of the one in flight decides.
        var window = new DispatchDelayWindow(Limit);
        Assert.False(window.Evaluate(4 * Limit));
        Assert.True(window.Evaluate((4 * Limit) + 1));
    }

    [Fact]
    public void AcquireAsync_GuardShedding_RefusesAtOnceAsOverloadedAndTakesNoSlot()
    {
        // The guard's thread is not started: the test drives its decision. (The probe against the real pool is
        // exercised end to end by bench/http/issue5.sh's overload step; starving the pool here would disturb the other
        // tests in this process.)
        using var guard = new DispatchDelayGuard(TimeSpan.FromMilliseconds(10), start: false);
        using var admission = new AdmissionControl(new AdmissionOptions { MaxConcurrency = 1 }, null, TimeProvider.System, null, guard);
        Assert.True(Released(admission));

        for (var i = 0; i < DispatchDelayWindow.Samples; i++)
        {
            guard.Window.Record(TimeSpan.FromMilliseconds(30).Ticks * System.Diagnostics.Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        }

        guard.Decide(0);
        Assert.Equal(AdmissionOutcome.Backlog, admission.AcquireAsync().Sync());
        Assert.Equal(AdmissionOutcome.Backlog, admission.AcquireAsync().Sync());
        Assert.Equal(2, guard.ShedCount);
        Assert.Equal(0, admission.Limiter.InFlight);
        Assert.Same(Jiangwanli.Server.Problems.ProblemCatalog.Overloaded, AdmissionControl.ProblemFor(AdmissionOutcome.Backlog));
        Assert.Contains("MaxDispatchDelay", admission.DetailFor(AdmissionOutcome.Backlog), StringComparison.Ordinal);

        guard.Window.Record(0);
        guard.Decide(0);
        Assert.True(Released(admission));
    }

    /// <summary>Takes and returns a slot; true when admitted.</summary>
    private static bool Released(AdmissionControl admission)
    {
        if (admission.AcquireAsync().Sync() != AdmissionOutcome.Admitted)
        {
            return false;
        }

        admission.Release();
        return true;
    }
}
