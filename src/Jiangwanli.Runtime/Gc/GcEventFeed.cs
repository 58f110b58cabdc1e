namespace Jiangwanli.Runtime.Gc;

/// <summary>
/// One <see cref="GcRecord"/> per GC of this process, pushed to subscribers from an in-process
/// event listener. Share one feed between <see cref="GcTrace"/> and <see cref="GcMonitor"/>.
/// Subscribers run on the runtime's event-dispatch thread, in GC order, shortly after each GC;
/// they must be quick and must not block.
/// </summary>
public sealed class GcEventFeed : IDisposable
{
    /// <summary>
    /// Serializes the creation and disposal of our listeners process-wide. Two <c>EventListener</c>s disposed at once
    /// can deadlock inside the runtime: one holds the EventPipe dispatcher's lock and waits for the listeners' lock
    /// (the provider callback of <c>EventPipeInternal.Enable</c>), the other holds the listeners' lock and waits for the
    /// dispatcher's (<c>EventListener.Dispose</c> → <c>CallDisableEventsIfNecessary</c>). Seen as a test-run hang when two
    /// in-process servers stopped together (hang dump, 2026-11-26); one at a time, the inversion cannot happen.
    /// </summary>
    private static readonly Lock s_lifecycle = new();

    private readonly GcEventListener? _listener;
    private readonly Lock _gate = new();
    private Action<GcRecord>[] _subscribers = [];
    private long _published;

    /// <summary>Starts listening to the runtime's GC events.</summary>
    public GcEventFeed()
        : this(listen: true)
    {
    }

    /// <summary>A feed that only carries what <see cref="Publish"/> is given (tests).</summary>
    internal GcEventFeed(bool listen)
    {
        if (listen)
        {
            lock (s_lifecycle)
            {
                _listener = new GcEventListener(); // enables its events while constructing
            }

            _listener.Attach(Publish);
        }
    }

    /// <summary>GCs published so far.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Calls <paramref name="handler"/> for every GC from now on, until the returned handle is disposed.</summary>
    public IDisposable Subscribe(Action<GcRecord> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    internal void Publish(GcRecord record)
    {
        Interlocked.Increment(ref _published);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            try
            {
                subscriber(record);
            }
            catch (Exception)
            {
                // One faulty subscriber must not starve the others (or kill the dispatch thread).
            }
        }
    }

    private void Unsubscribe(Action<GcRecord> handler)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, handler);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers.AsSpan(0, index), .. _subscribers.AsSpan(index + 1)];
            }
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        if (_listener is { } listener)
        {
            lock (s_lifecycle)
            {
                listener.Dispose();
            }
        }
    }

    private sealed class Subscription(GcEventFeed feed, Action<GcRecord> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                feed.Unsubscribe(handler);
            }
        }
    }
}
