namespace Jiangwanli.Server.Tests.Admission;

/// <summary>A clock that moves only when told; its one-shot timers fire inside <see cref="Advance"/>.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private readonly List<ManualTimer> _timers = [];
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    /// <summary>Wall-clock time at timestamp 0; <see cref="GetUtcNow"/> moves with <see cref="Advance"/>.</summary>
    public DateTimeOffset Start { get; init; } = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Start.AddTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state, GetTimestamp() + dueTime.Ticks);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    /// <summary>Moves the clock and (unless told not to) fires every timer now due, in due order.</summary>
    public void Advance(TimeSpan by, bool fireTimers = true)
    {
        var now = Interlocked.Add(ref _ticks, by.Ticks);
        if (!fireTimers)
        {
            return;
        }

        List<ManualTimer> due;
        lock (_timers)
        {
            due = _timers.Where(t => t.Due <= now).OrderBy(t => t.Due).ToList();
            _timers.RemoveAll(due.Contains);
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    public int PendingTimers
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count;
            }
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state, long due) : ITimer
    {
        public long Due { get; } = due;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
