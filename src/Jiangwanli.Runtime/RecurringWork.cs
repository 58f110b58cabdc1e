namespace Jiangwanli.Runtime;

/// <summary>
/// One dedicated <see cref="ITimer"/> from a <see cref="TimeProvider"/> that runs a tick callback
/// periodically. Ticks never overlap (a tick that would start while the previous one still runs is
/// skipped), exceptions go to <c>onError</c>, and <see cref="StopAsync"/> waits for a running tick.
/// </summary>
internal sealed class RecurringWork : IDisposable, IAsyncDisposable
{
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _period;
    private readonly Action _tick;
    private readonly Action<Exception> _onError;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private int _running;

    public RecurringWork(TimeProvider timeProvider, TimeSpan period, Action tick, Action<Exception> onError)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        _timeProvider = timeProvider;
        _period = period;
        _tick = tick;
        _onError = onError;
    }

    /// <summary>Whether the timer is running.</summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _timer is not null;
            }
        }
    }

    /// <summary>Starts ticking every period (first tick one period from now). Idempotent.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _timer ??= _timeProvider.CreateTimer(static s => ((RecurringWork)s!).Fire(), this, _period, _period);
        }
    }

    /// <summary>Stops the timer and waits for a tick in progress to finish.</summary>
    public async ValueTask StopAsync()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _timer;
            _timer = null;
        }

        if (timer is not null)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Runs one tick now on the calling thread (skipped if one is running).</summary>
    public void Fire()
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            return;
        }

        try
        {
            _tick();
        }
        catch (Exception ex)
        {
            _onError(ex);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        ITimer? timer;
        lock (_gate)
        {
            timer = _timer;
            _timer = null;
        }

        timer?.Dispose();
    }

    public ValueTask DisposeAsync() => StopAsync();
}
