using System.Diagnostics;

namespace Jiangwanli.Server.Admission;

/// <summary>
/// Sheds load while the thread pool has a standing backlog: a request that waited in the pool's queue before our
/// handler ever ran cannot be helped by the concurrency limit (it only sees requests once they run). Measured in the 3×
/// overload run (docs/benchmarks.md): with 256 connections not one request reached the limit's queue, yet admitted
/// requests waited seconds — in the pool. So a probe measures how long queued work takes to start, and while that delay
/// stands above <see cref="Configuration.AdmissionOptions.MaxDispatchDelay"/> new requests are refused at once (503),
/// which is cheap enough to drain the backlog.
/// </summary>
/// <remarks>
/// <para>A dedicated thread (not a timer: timer callbacks themselves wait in the pool) queues one probe work item every
/// <see cref="ProbeInterval"/>, one at a time, and decides — the request path only reads a volatile flag.</para>
/// <para>Standing, not momentary (as CoDel): a GC pause or a burst makes one probe late and must not shed. The guard sheds
/// when every one of the last <see cref="DispatchDelayWindow.Samples"/> probes started later than the limit, or when the
/// probe in flight has waited four limits (the backlog is so deep that probes stop coming back). One prompt probe ends it.</para>
/// </remarks>
internal sealed class DispatchDelayGuard : IDisposable
{
    /// <summary>How often a probe is queued.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(5);

    private readonly DispatchDelayWindow _window;
    private readonly ProbeItem _probe;
    // No spinning: the probe thread waits 5 ms between probes, and the default spin (sched_yield) before each wait
    // made it 1.8 % of the server's CPU at half load (perf).
    private readonly ManualResetEventSlim _stop = new(initialState: false, spinCount: 0);
    private readonly Thread _thread;
    private long _enqueuedAt; // Stopwatch timestamp of the probe in flight; 0 when none
    private volatile bool _shedding;
    private long _shedCount;

    /// <param name="limit">The standing delay past which requests are refused.</param>
    /// <param name="start">False for tests that drive <see cref="Decide"/> themselves (no probe thread).</param>
    public DispatchDelayGuard(TimeSpan limit, bool start = true)
    {
        _window = new DispatchDelayWindow((long)(limit.TotalSeconds * Stopwatch.Frequency));
        _probe = new ProbeItem(this);
        _thread = new Thread(Run) { IsBackground = true, Name = "jwl-dispatch-probe" };
        if (start)
        {
            _thread.Start();
        }
    }

    /// <summary>The recent probe delays.</summary>
    internal DispatchDelayWindow Window => _window;

    /// <summary>True while the pool has a standing backlog: refuse new requests.</summary>
    public bool IsShedding => _shedding;

    /// <summary>Requests refused because of the backlog.</summary>
    public long ShedCount => Interlocked.Read(ref _shedCount);

    /// <summary>Counts one refusal.</summary>
    public void CountShed() => Interlocked.Increment(ref _shedCount);

    public void Dispose()
    {
        _stop.Set();
        if (_thread.IsAlive)
        {
            _thread.Join(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Sets the shedding flag from the window and the age of the probe in flight (0: none).</summary>
    internal void Decide(long inFlightAgeTicks) => _shedding = _window.Evaluate(inFlightAgeTicks);

    private void Run()
    {
        while (!_stop.Wait(ProbeInterval))
        {
            var now = Stopwatch.GetTimestamp();
            var enqueuedAt = Volatile.Read(ref _enqueuedAt);
            if (enqueuedAt == 0)
            {
                Volatile.Write(ref _enqueuedAt, now);
                ThreadPool.UnsafeQueueUserWorkItem(_probe, preferLocal: false);
            }

            Decide(enqueuedAt == 0 ? 0 : now - enqueuedAt);
        }

        _shedding = false;
    }

    private void Completed()
    {
        var delay = Stopwatch.GetTimestamp() - Volatile.Read(ref _enqueuedAt);
        _window.Record(delay);
        Volatile.Write(ref _enqueuedAt, 0);
    }

    private sealed class ProbeItem(DispatchDelayGuard owner) : IThreadPoolWorkItem
    {
        public void Execute() => owner.Completed();
    }
}

/// <summary>
/// The guard's decision, apart from threads and clocks so that it can be tested: the last <see cref="Samples"/> probe
/// delays (written by the one probe in flight, read by the probe thread) and the rules in <see cref="Evaluate"/>.
/// </summary>
internal sealed class DispatchDelayWindow(long limitTicks)
{
    /// <summary>Probe delays a standing backlog must hold for (≈ 80 ms at the probe interval).</summary>
    public const int Samples = 16;

    private readonly long[] _delays = new long[Samples];
    private int _next;

    /// <summary>Records the delay of a completed probe.</summary>
    public void Record(long delayTicks)
    {
        Volatile.Write(ref _delays[_next], delayTicks);
        _next = (_next + 1) % Samples;
    }

    /// <summary>
    /// True to shed: every recent probe started later than the limit, or the probe still waiting has waited four limits.
    /// </summary>
    /// <param name="inFlightAgeTicks">How long the probe in flight has waited (0 when none is).</param>
    public bool Evaluate(long inFlightAgeTicks)
    {
        if (inFlightAgeTicks > 4 * limitTicks)
        {
            return true;
        }

        foreach (ref readonly var delay in _delays.AsSpan())
        {
            if (Volatile.Read(in delay) <= limitTicks)
            {
                return false;
            }
        }

        return true;
    }
}
