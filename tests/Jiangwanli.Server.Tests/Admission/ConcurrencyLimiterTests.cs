using Jiangwanli.Server.Admission;

namespace Jiangwanli.Server.Tests.Admission;

public sealed class ConcurrencyLimiterTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void AcquireAsync_UnderTheLimit_AdmitsSynchronously()
    {
        var limiter = new ConcurrencyLimiter(2, 4, s_deadline, new ManualTimeProvider());

        var first = limiter.AcquireAsync().Sync();
        var second = limiter.AcquireAsync().Sync();

        Assert.Equal(AdmissionOutcome.Admitted, first);
        Assert.Equal(AdmissionOutcome.Admitted, second);
        Assert.Equal(2, limiter.InFlight);
        Assert.Equal(0, limiter.Queued);
    }

    [Fact]
    public void AcquireAsync_UnderTheLimit_AllocatesNothing()
    {
        var limiter = new ConcurrencyLimiter(4, 4, s_deadline, new ManualTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            _ = limiter.AcquireAsync().Sync();
            limiter.Release();
        }

        // The least over several rounds: one round once caught 3,264 bytes of the runtime's own in CI.
        Assert.Equal(0, SteadyStateAllocation.Measure(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                _ = limiter.AcquireAsync().Sync();
                limiter.Release();
            }
        }));
    }

    [Fact]
    public async Task Release_WithWaiters_AdmitsThemInArrivalOrder()
    {
        var limiter = new ConcurrencyLimiter(1, 8, s_deadline, new ManualTimeProvider());
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());
        var waiters = Enumerable.Range(0, 3).Select(_ => limiter.AcquireAsync().AsTask()).ToArray();
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        Assert.Equal(3, limiter.Queued);

        // A newcomer queues behind them even when it arrives just as a slot frees.
        limiter.Release();
        Assert.Equal(AdmissionOutcome.Admitted, await waiters[0]);
        Assert.False(waiters[1].IsCompleted);
        var late = limiter.AcquireAsync().AsTask();
        Assert.False(late.IsCompleted);

        limiter.Release();
        Assert.Equal(AdmissionOutcome.Admitted, await waiters[1]);
        Assert.False(waiters[2].IsCompleted);
        limiter.Release();
        Assert.Equal(AdmissionOutcome.Admitted, await waiters[2]);
        Assert.False(late.IsCompleted);
        limiter.Release();
        Assert.Equal(AdmissionOutcome.Admitted, await late);
        Assert.Equal(1, limiter.InFlight);
        Assert.Equal(0, limiter.Queued);
    }

    [Fact]
    public void AcquireAsync_QueueFull_RefusesAtOnce()
    {
        var limiter = new ConcurrencyLimiter(1, 2, s_deadline, new ManualTimeProvider());
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());
        var queued = new[] { limiter.AcquireAsync().AsTask(), limiter.AcquireAsync().AsTask() };

        var refused = limiter.AcquireAsync().Sync();

        Assert.Equal(AdmissionOutcome.Overloaded, refused);
        Assert.All(queued, q => Assert.False(q.IsCompleted));
        Assert.Equal(1, limiter.OverloadedCount);
        Assert.Equal(2, limiter.Queued);
        Assert.Equal(1, limiter.InFlight);
    }

    [Fact]
    public void AcquireAsync_NoQueue_RefusesOverTheLimit()
    {
        var limiter = new ConcurrencyLimiter(1, 0, s_deadline, new ManualTimeProvider());
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());

        Assert.Equal(AdmissionOutcome.Overloaded, limiter.AcquireAsync().Sync());
    }

    [Fact]
    public async Task AcquireAsync_WaitedPastTheDeadline_IsShedAndFreesItsPlace()
    {
        var time = new ManualTimeProvider();
        var limiter = new ConcurrencyLimiter(1, 1, s_deadline, time);
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());
        var waiter = limiter.AcquireAsync().AsTask();

        time.Advance(s_deadline - TimeSpan.FromMilliseconds(1));
        Assert.False(waiter.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(AdmissionOutcome.QueueTimeout, await waiter);
        Assert.Equal(1, limiter.TimedOutCount);
        Assert.Equal(0, limiter.Queued);
        Assert.Equal(1, limiter.InFlight);

        // Its place in the queue is free again.
        var next = limiter.AcquireAsync().AsTask();
        Assert.False(next.IsCompleted);
        limiter.Release();
        Assert.Equal(AdmissionOutcome.Admitted, await next);
    }

    [Fact]
    public async Task Release_HeadWaitedTooLongButTimerNotYetRun_ShedsItAndAdmitsTheNext()
    {
        var time = new ManualTimeProvider();
        var limiter = new ConcurrencyLimiter(1, 4, s_deadline, time);
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());
        var old = limiter.AcquireAsync().AsTask();
        time.Advance(TimeSpan.FromMilliseconds(30));
        var young = limiter.AcquireAsync().AsTask();

        // Move the clock past the first waiter's deadline without running timers: the dequeue check alone sheds it.
        time.Advance(TimeSpan.FromMilliseconds(25), fireTimers: false);
        limiter.Release();

        Assert.Equal(AdmissionOutcome.QueueTimeout, await old);
        Assert.Equal(AdmissionOutcome.Admitted, await young);
        Assert.Equal(1, limiter.InFlight);
    }

    [Fact]
    public async Task Limit_Raised_AdmitsWaitersAtOnce()
    {
        var limiter = new ConcurrencyLimiter(1, 4, s_deadline, new ManualTimeProvider());
        Assert.Equal(AdmissionOutcome.Admitted, limiter.AcquireAsync().Sync());
        var a = limiter.AcquireAsync().AsTask();
        var b = limiter.AcquireAsync().AsTask();

        limiter.Limit = 3;

        Assert.Equal(AdmissionOutcome.Admitted, await a);
        Assert.Equal(AdmissionOutcome.Admitted, await b);
        Assert.Equal(3, limiter.InFlight);
    }

    [Fact]
    public async Task AcquireAndRelease_ManyThreads_NeverExceedTheLimitAndLoseNoSlot()
    {
        const int Limit = 3;
        var limiter = new ConcurrencyLimiter(Limit, 10_000, TimeSpan.FromMinutes(5), TimeProvider.System);
        var current = 0;
        var max = 0;
        var admitted = 0;

        async Task WorkAsync()
        {
            for (var i = 0; i < 500; i++)
            {
                var outcome = await limiter.AcquireAsync();
                Assert.Equal(AdmissionOutcome.Admitted, outcome);
                var now = Interlocked.Increment(ref current);
                InterlockedMax(ref max, now);
                Interlocked.Increment(ref admitted);
                if ((i & 7) == 0)
                {
                    await Task.Yield();
                }

                Interlocked.Decrement(ref current);
                limiter.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(WorkAsync)));

        Assert.Equal(16 * 500, admitted);
        Assert.True(max <= Limit, $"{max} in flight at once");
        Assert.Equal(0, limiter.InFlight);
        Assert.Equal(0, limiter.Queued);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
