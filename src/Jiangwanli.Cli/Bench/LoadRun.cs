using HdrHistogram;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Drives one target: opens every connection before the clock starts, then runs one loop per connection — closed loop
/// (send, await the response, send again) or open loop (claim the next due slot of an <see cref="OpenLoopSchedule"/>,
/// sleep until it is due if early, send) — while a ticker takes a latency interval and the counters every second,
/// discards the warm-up, and closes the window at the end. Every run ends by itself: the measured window is fixed,
/// in-flight requests get a short grace, then every connection is aborted.
/// </summary>
internal sealed class LoadRun : IDisposable
{
    // Slots of the in-flight table are a cache line apart, so that connections on different cores don't share one.
    private const int SlotStride = 8;
    private const long Idle = 0;
    private const long TimedOut = -1;

    private static readonly TimeSpan s_tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_reconnectBackoff = TimeSpan.FromMilliseconds(100);

    // Longest back-off after connections closed on arrival (doubling from s_reconnectBackoff): with thousands of
    // connections over a server's cap, a fixed 100 ms would have them reconnect tens of thousands of times a second.
    private static readonly TimeSpan s_maxRefusedBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_watchdogPeriod = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_stopLimit = TimeSpan.FromSeconds(5);

    private readonly LoadRunSettings _settings;
    private readonly Func<int, ILoadConnection> _connect;
    private readonly TimeProvider _time;
    private readonly ILoadObserver? _observer;
    private readonly LatencyBook _latencies = new();
    private readonly StatusTally _tally = new();

    // A response's latency and its status are recorded together and read together, so a tick can never see one without
    // the other (the window's status counts and histogram agree exactly). Held for two counter updates; at tens of
    // thousands of responses a second it is rarely contended.
    private readonly Lock _recordLock = new();
    private readonly long[] _inFlightSince;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _frequency;
    private long _epochMicros; // Unix time at _epochTimestamp, for request-start stamps
    private long _epochTimestamp;
    private ILoadConnection[] _connections = [];
    private OpenLoopSchedule? _schedule;
    private OpenLoopPacer? _pacer;
    private long _endTimestamp = long.MaxValue;
    private long _nextSequence;

    /// <summary>A run over connections made by <paramref name="connect"/> (given the connection's index).</summary>
    public LoadRun(LoadRunSettings settings, Func<int, ILoadConnection> connect, TimeProvider? time = null, ILoadObserver? observer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Connections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.Duration, TimeSpan.Zero);
        _settings = settings;
        _connect = connect;
        _time = time ?? TimeProvider.System;
        _observer = observer;
        _frequency = _time.TimestampFrequency;
        _inFlightSince = new long[settings.Connections * SlotStride];
    }

    /// <summary>Runs to the end of the window (or until <paramref name="cancellationToken"/> fires) and returns what was measured. Call once.</summary>
    public async Task<LoadMeasurement> RunAsync(CancellationToken cancellationToken)
    {
        _connections = new ILoadConnection[_settings.Connections];
        for (var i = 0; i < _connections.Length; i++)
        {
            _connections[i] = _connect(i);
        }

        try
        {
            var connected = await ConnectAllAsync(cancellationToken).ConfigureAwait(false);
            if (connected == 0 || cancellationToken.IsCancellationRequested)
            {
                return new LoadMeasurement
                {
                    Latencies = LatencySummary.NewHistogram(),
                    SuccessLatencies = LatencySummary.NewHistogram(),
                    Counts = _tally.Snapshot(),
                    Elapsed = TimeSpan.Zero,
                    Connected = connected,
                    Connections = _connections.Length,
                    Interrupted = cancellationToken.IsCancellationRequested,
                };
            }

            var connectErrors = _tally.Snapshot();
            var start = _time.GetTimestamp();
            _epochTimestamp = start;
            _epochMicros = (_time.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
            var measureFrom = start + Ticks(_settings.Warmup);
            // With a warm-up, the end is set when the ticker opens the window (it may wake late); until then the
            // connection loops run on.
            Volatile.Write(ref _endTimestamp, measureFrom > start ? long.MaxValue : measureFrom + Ticks(_settings.Duration));
            _schedule = _settings.Rate is { } rate ? new OpenLoopSchedule(start, rate, _frequency) : null;
            _pacer = _schedule is null ? null : new OpenLoopPacer(_time);
            _latencies.Reset();

            var loops = new Task[_connections.Length];
            for (var i = 0; i < loops.Length; i++)
            {
                var slot = i;
                loops[i] = Task.Run(() => ConnectionLoopAsync(slot), CancellationToken.None);
            }

            var watchdog = Task.Run(WatchdogAsync, CancellationToken.None);
            LoadMeasurement measurement;
            try
            {
                measurement = await TickAsync(start, measureFrom, connectErrors, connected, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await StopAsync(loops, watchdog).ConfigureAwait(false);
            }

            return measurement;
        }
        finally
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            _pacer?.Dispose();
        }
    }

    /// <summary>Releases the stop signal (the connections are released when <see cref="RunAsync"/> returns).</summary>
    public void Dispose() => _stop.Dispose();

    private async Task<int> ConnectAllAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_settings.ConnectPhaseLimit);
        var connected = 0;
        await Parallel.ForAsync(
            0,
            _connections.Length,
            new ParallelOptions { MaxDegreeOfParallelism = _settings.ConnectParallelism, CancellationToken = CancellationToken.None },
            async (i, _) =>
            {
                if (limit.IsCancellationRequested)
                {
                    return;
                }

                if (await _connections[i].ConnectAsync(_settings.ConnectTimeout, limit.Token).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref connected);
                }
                else
                {
                    _tally.Error(BenchError.Connect);
                }
            }).ConfigureAwait(false);
        return connected;
    }

    private async Task<LoadMeasurement> TickAsync(long start, long measureFrom, StatusSnapshot connectErrors, int connected, CancellationToken cancellationToken)
    {
        var end = measureFrom + Ticks(_settings.Duration); // the planned end; moved when the window opens late
        var phase = measureFrom > start ? BenchPhase.Warmup : BenchPhase.Measure;
        var measureStart = start;
        var cpuStart = Environment.CpuUsage.TotalTime;
        var baseline = phase == BenchPhase.Measure ? connectErrors : StatusSnapshot.Empty;
        if (phase == BenchPhase.Measure)
        {
            _observer?.OnMeasureStart();
        }

        var total = LatencySummary.NewHistogram();
        var totalSuccess = LatencySummary.NewHistogram();
        var tick = Ticks(s_tick);
        var nextTick = start + tick;
        var lastTick = start;
        var interrupted = false;
        while (true)
        {
            var boundary = phase == BenchPhase.Warmup ? measureFrom : end;
            var target = Math.Min(nextTick, boundary);
            var wait = target - _time.GetTimestamp();
            if (wait > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / _frequency), _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    interrupted = true;
                }
            }

            var now = _time.GetTimestamp();
            HistogramBase interval, intervalSuccess;
            StatusSnapshot counts;
            lock (_recordLock)
            {
                (interval, intervalSuccess) = _latencies.TakeInterval();
                counts = _tally.Snapshot();
            }

            if (phase == BenchPhase.Measure)
            {
                total.Add(interval);
                totalSuccess.Add(intervalSuccess);
            }

            var seconds = (double)(now - lastTick) / _frequency;
            _observer?.OnInterval(new IntervalReport(
                phase,
                TimeSpan.FromSeconds((double)(now - start) / _frequency),
                TimeSpan.FromSeconds(Math.Max(0, (double)(end - now) / _frequency)),
                seconds > 0 ? interval.TotalCount / seconds : 0,
                LatencySummary.From(interval),
                counts.Minus(connectErrors)));
            lastTick = now;

            if (interrupted || (phase == BenchPhase.Measure && target == end))
            {
                _observer?.OnMeasureEnd();
                return new LoadMeasurement
                {
                    Latencies = phase == BenchPhase.Measure ? total : LatencySummary.NewHistogram(),
                    SuccessLatencies = phase == BenchPhase.Measure ? totalSuccess : LatencySummary.NewHistogram(),
                    Counts = phase == BenchPhase.Measure ? counts.Minus(baseline) : StatusSnapshot.Empty,
                    Elapsed = phase == BenchPhase.Measure ? TimeSpan.FromSeconds((double)(now - measureStart) / _frequency) : TimeSpan.Zero,
                    Connected = connected,
                    Connections = _connections.Length,
                    Scheduled = _schedule?.CountDue(measureStart, now),
                    ClientCpu = phase == BenchPhase.Measure ? Environment.CpuUsage.TotalTime - cpuStart : TimeSpan.Zero,
                    Interrupted = interrupted,
                };
            }

            if (phase == BenchPhase.Warmup && target == measureFrom)
            {
                phase = BenchPhase.Measure;
                measureStart = now;

                // The window is Duration long from when it really opened: a ticker that woke late (a stalled machine,
                // JIT at start) must not shrink it, nor stop the connection loops before it opens (they read the end
                // on every request).
                end = now + Ticks(_settings.Duration);
                Volatile.Write(ref _endTimestamp, end);
                cpuStart = Environment.CpuUsage.TotalTime;
                baseline = counts;
                _observer?.OnMeasureStart();
            }

            if (target == nextTick)
            {
                nextTick += tick;
            }
        }
    }

    private async Task ConnectionLoopAsync(int index)
    {
        var connection = _connections[index];
        var slot = index * SlotStride;
        var stop = _stop.Token;
        var waiter = _pacer is null ? null : new OpenLoopPacer.Waiter();
        var fresh = false; // connected for the exchange about to go out
        var refusedBackoff = s_reconnectBackoff;
        while (!stop.IsCancellationRequested)
        {
            if (!connection.IsConnected)
            {
                fresh = true;
                if (!await connection.ConnectAsync(_settings.ConnectTimeout, stop).ConfigureAwait(false))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    _tally.Error(BenchError.Connect);
                    if (!await DelayAsync(s_reconnectBackoff, stop).ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }
            }

            var sequence = Interlocked.Increment(ref _nextSequence) - 1;
            long origin;
            if (_schedule is { } schedule)
            {
                var due = schedule.DueTimestamp(sequence);
                if (due >= Volatile.Read(ref _endTimestamp))
                {
                    return;
                }

                var claimed = _time.GetTimestamp();
                if (due > claimed && !await _pacer!.WaitAsync(waiter!, due).ConfigureAwait(false))
                {
                    return;
                }

                origin = OpenLoopSchedule.LatencyOrigin(due, claimed, _time.GetTimestamp());
            }
            else
            {
                origin = _time.GetTimestamp();
                if (origin >= Volatile.Read(ref _endTimestamp))
                {
                    return;
                }
            }

            Volatile.Write(ref _inFlightSince[slot], Math.Max(1, _time.GetTimestamp()));
            var startMicros = _epochMicros + ReportMath.Microseconds(origin - _epochTimestamp, _frequency);
            var outcome = await connection.ExchangeAsync(sequence, startMicros).ConfigureAwait(false);
            var done = _time.GetTimestamp();
            if (Interlocked.Exchange(ref _inFlightSince[slot], Idle) == TimedOut)
            {
                // The watchdog gave up on this exchange (and aborted the connection), whatever came back after.
                _tally.Error(BenchError.Timeout);
                connection.Abort();
                continue;
            }

            var micros = ReportMath.Microseconds(done - origin, _frequency);
            lock (_recordLock)
            {
                _latencies.Record(outcome, micros);
                _tally.Add(outcome);
            }

            // A connection that failed its very first exchange was refused by a server at its connection cap (it
            // accepts, then closes): back off, doubling while it goes on, rather than reconnect in a tight loop.
            if (fresh && outcome.Error != BenchError.None)
            {
                if (!await DelayAsync(refusedBackoff, stop).ConfigureAwait(false))
                {
                    return;
                }

                refusedBackoff = TimeSpan.FromTicks(Math.Min(refusedBackoff.Ticks * 2, s_maxRefusedBackoff.Ticks));
            }
            else if (fresh)
            {
                refusedBackoff = s_reconnectBackoff;
            }

            fresh = false;
        }
    }

    private async Task WatchdogAsync()
    {
        var timeout = Ticks(_settings.Timeout);
        var stop = _stop.Token;
        while (await DelayAsync(s_watchdogPeriod, stop).ConfigureAwait(false))
        {
            var now = _time.GetTimestamp();
            for (var i = 0; i < _connections.Length; i++)
            {
                var slot = i * SlotStride;
                var since = Volatile.Read(ref _inFlightSince[slot]);
                if (since > Idle && now - since > timeout
                    && Interlocked.CompareExchange(ref _inFlightSince[slot], TimedOut, since) == since)
                {
                    _connections[i].Abort();
                }
            }
        }
    }

    private async Task StopAsync(Task[] loops, Task watchdog)
    {
        // No new requests after the end; let those in flight finish for a moment (they no longer count), then cut.
        var all = Task.WhenAll(loops);
        var grace = _settings.Timeout < TimeSpan.FromSeconds(1) ? _settings.Timeout : TimeSpan.FromSeconds(1);
        await Task.WhenAny(all, Task.Delay(grace, _time)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        _pacer?.Stop();
        foreach (var connection in _connections)
        {
            connection.Abort();
        }

        await Task.WhenAny(Task.WhenAll(all, watchdog), Task.Delay(s_stopLimit, _time)).ConfigureAwait(false);
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _time, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _frequency);
}
