namespace Jiangwanli.Runtime.Gc;

/// <summary>
/// One <see cref="GcRecord"/> per GC of this process, pushed to subscribers from an in-process
/// event listener. Share one feed between <see cref="GcTrace"/> and <see cref="GcMonitor"/>.
/// Subscribers run on the runtime's event-dispatch thread, in GC order, shortly after each GC;
/// they must be quick and must not block.
/// </summary>
public sealed class GcEventFeed : IDisposable
{
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
            _listener = new GcEventListener();
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
    public void Dispose() => _listener?.Dispose();

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
