using System.Threading.Tasks.Sources;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Releases open-loop requests when they fall due, from one dedicated thread. A connection that claimed a request
/// ahead of its time parks a <see cref="Waiter"/> here; the pacer completes it at the due time and the connection's
/// continuation — the send — runs right there on the pacer thread. Compared with a <c>Task.Delay</c> per request, there
/// is no timer allocation and no thread-pool hop (whose idle workers spin on this 2-core box, CPU the server does not
/// get). Waits have the OS's millisecond granularity, so a request may go out up to about a millisecond early or late;
/// it is then timed from its actual send (<see cref="OpenLoopSchedule.LatencyOrigin"/>), so that slack never shows up
/// as server latency.
/// </summary>
internal sealed class OpenLoopPacer : IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _halfMillisecond;
    private readonly object _lock = new();
    private readonly PriorityQueue<Waiter, long> _queue = new();
    // No spinning before sleeping: a spinning wait yields in a loop (sched_yield), stealing the very cores the
    // connections and the server need.
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
    private readonly Thread _thread;
    private bool _stopped;

    /// <summary>Starts the pacer thread.</summary>
    public OpenLoopPacer(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _halfMillisecond = _time.TimestampFrequency / 2000;
        _thread = new Thread(Run) { IsBackground = true, Name = "jwl bench pacer" };
        _thread.Start();
    }

    /// <summary>
    /// Completes with true at <paramref name="due"/> (a timestamp), or with false once the pacer is stopped. The
    /// continuation runs on the pacer thread: it must not block.
    /// </summary>
    public ValueTask<bool> WaitAsync(Waiter waiter, long due)
    {
        ArgumentNullException.ThrowIfNull(waiter);
        lock (_lock)
        {
            if (_stopped)
            {
                return ValueTask.FromResult(false);
            }

            waiter.Arm();
            var earliest = !_queue.TryPeek(out _, out var first) || due < first;
            _queue.Enqueue(waiter, due);
            if (earliest)
            {
                _wake.Set();
            }
        }

        return new ValueTask<bool>(waiter, waiter.Version);
    }

    /// <summary>Releases every waiter with false and ends the thread; later waits complete with false at once.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            _wake.Set();
        }
    }

    /// <summary>
    /// Stops the pacer and waits (boundedly) for its thread. Safe from the pacer thread itself — where a released
    /// continuation may well end up calling it.
    /// </summary>
    public void Dispose()
    {
        Stop();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        try
        {
            Pace();
        }
        finally
        {
            // The thread owns the event: after Stop nobody sets it any more (Stop and WaitAsync check _stopped first).
            _wake.Dispose();
        }
    }

    private void Pace()
    {
        var due = new List<Waiter>();
        while (true)
        {
            bool stopped;
            var sleep = Timeout.InfiniteTimeSpan;
            lock (_lock)
            {
                stopped = _stopped;
                var now = _time.GetTimestamp();
                while (_queue.TryPeek(out var waiter, out var when) && (stopped || when - now < _halfMillisecond))
                {
                    _queue.Dequeue();
                    due.Add(waiter);
                }

                if (!stopped && _queue.TryPeek(out _, out var next))
                {
                    sleep = TimeSpan.FromMilliseconds(Math.Max(1, (next - now) * 1000 / _time.TimestampFrequency));
                }

                _wake.Reset();
            }

            // Outside the lock: a released connection sends, and may claim and park its next request right away.
            foreach (var waiter in due)
            {
                waiter.Release(!stopped);
            }

            due.Clear();
            if (stopped)
            {
                return;
            }

            _wake.Wait(sleep);
        }
    }

    /// <summary>One connection's reusable wait (no allocation per request).</summary>
    internal sealed class Waiter : IValueTaskSource<bool>
    {
        // Mutable struct! Don't make it readonly.
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };

        /// <summary>The token of the current wait.</summary>
        public short Version => _core.Version;

        /// <summary>Prepares the next wait.</summary>
        public void Arm() => _core.Reset();

        /// <summary>Completes the current wait; its continuation runs on this thread.</summary>
        public void Release(bool result) => _core.SetResult(result);

        /// <inheritdoc/>
        public bool GetResult(short token) => _core.GetResult(token);

        /// <inheritdoc/>
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        /// <inheritdoc/>
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
