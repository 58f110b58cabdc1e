using System.Buffers;

namespace Jiangwanli.Audit.Writing;

/// <summary>Result of <see cref="AppendQueue.Enqueue"/>.</summary>
internal enum EnqueueResult
{
    /// <summary>Queued; the writer will complete the operation.</summary>
    Queued,

    /// <summary>Full and the mode is reject; the operation was not queued.</summary>
    Rejected,

    /// <summary>The queue is closed; the operation was not queued.</summary>
    Closed,
}

/// <summary>
/// The bounded queue between request threads and the single writer thread: two <see cref="PendingBatch"/> buffers
/// (one filling, one being written) swapped under a lock, plus a FIFO of appends waiting for room.
/// </summary>
/// <remarks>
/// A lock, not a lock-free ring: the critical section is one ~400-byte copy, producers never wait on I/O while
/// holding it, and the writer takes the lock once per batch, not per record.
/// </remarks>
internal sealed class AppendQueue
{
    private readonly object _lock = new(); // a monitor, not System.Threading.Lock: the writer needs Monitor.Wait
    private readonly bool _rejectWhenFull;
    private PendingBatch _open;
    private PendingBatch? _spare;
    private AppendOperation? _waitHead;
    private AppendOperation? _waitTail;
    private bool _writerWaiting;
    private bool _wakeRequested;
    private bool _closed;
    private int _depth;

    public AppendQueue(int capacityBytes, int capacityRecords, bool rejectWhenFull)
    {
        _open = new PendingBatch(capacityBytes, capacityRecords);
        _spare = new PendingBatch(capacityBytes, capacityRecords);
        _rejectWhenFull = rejectWhenFull;
    }

    /// <summary>Records currently queued (approximate; for statistics).</summary>
    public int Depth => Volatile.Read(ref _depth);

    /// <summary>
    /// Queues a copy of <paramref name="payload"/> for <paramref name="op"/>, waking the writer thread unless
    /// <paramref name="wakeWriter"/> is false (the caller is about to take the batch itself, as the writer).
    /// </summary>
    public EnqueueResult Enqueue(AppendOperation op, ReadOnlySpan<byte> payload, bool wakeWriter = true)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return EnqueueResult.Closed;
            }

            if (_waitHead is null && _open.TryAdd(op, payload))
            {
                _depth++;
                if (wakeWriter && _writerWaiting)
                {
                    Monitor.Pulse(_lock);
                }

                return EnqueueResult.Queued;
            }

            return EnqueueWhenFull(op, payload);
        }
    }

    /// <summary>
    /// Writer thread: waits up to <paramref name="timeoutMilliseconds"/> until something is queued, the queue is
    /// closed, or <see cref="Wake"/> was called (also before this call: a wake is never lost).
    /// </summary>
    public void WaitForWork(int timeoutMilliseconds)
    {
        lock (_lock)
        {
            if (_open.Count == 0 && _waitHead is null && !_closed && !_wakeRequested && timeoutMilliseconds != 0)
            {
                _writerWaiting = true;
                Monitor.Wait(_lock, timeoutMilliseconds);
                _writerWaiting = false;
            }

            _wakeRequested = false;
        }
    }

    /// <summary>
    /// Takes everything queued, without waiting. Returns null when nothing is queued (<paramref name="drained"/> is
    /// then true if the queue is closed). Only the holder of the writer role calls it.
    /// </summary>
    public PendingBatch? Take(out bool drained)
    {
        lock (_lock)
        {
            if (_open.Count == 0 && _waitHead is null)
            {
                drained = _closed;
                return null;
            }

            drained = false;
            var batch = _open;
            _open = _spare ?? throw new InvalidOperationException("The previous batch was not released.");
            _spare = null;
            _depth -= batch.Count;
            AdmitWaiters();
            return batch;
        }
    }

    /// <summary>Gives a written batch back for reuse (writer thread).</summary>
    public void Release(PendingBatch batch)
    {
        batch.Reset();
        lock (_lock)
        {
            _spare = batch;
        }
    }

    /// <summary>Wakes the writer thread, or makes its next <see cref="WaitForWork"/> return at once.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            _wakeRequested = true;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Refuses further appends; queued ones are still written.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.Pulse(_lock);
        }
    }

    private EnqueueResult EnqueueWhenFull(AppendOperation op, ReadOnlySpan<byte> payload)
    {
        if (_rejectWhenFull)
        {
            return EnqueueResult.Rejected;
        }

        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(payload.Length, 1));
        payload.CopyTo(copy);
        op.WaitingPayload = copy;
        op.WaitingLength = payload.Length;
        op.Next = null;
        if (_waitTail is null)
        {
            _waitHead = op;
        }
        else
        {
            _waitTail.Next = op;
        }

        _waitTail = op;
        _depth++;
        if (_writerWaiting)
        {
            Monitor.Pulse(_lock);
        }

        return EnqueueResult.Queued;
    }

    /// <summary>Moves waiting appends into the (new, empty) open batch while they fit, in order. Under the lock.</summary>
    private void AdmitWaiters()
    {
        while (_waitHead is { } op)
        {
            var payload = op.WaitingPayload!;
            if (!_open.TryAdd(op, payload.AsSpan(0, op.WaitingLength)))
            {
                return;
            }

            _waitHead = op.Next;
            if (_waitHead is null)
            {
                _waitTail = null;
            }

            op.Next = null;
            op.WaitingPayload = null;
            ArrayPool<byte>.Shared.Return(payload);
        }
    }
}
