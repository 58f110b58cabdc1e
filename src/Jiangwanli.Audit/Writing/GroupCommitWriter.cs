using System.Diagnostics;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// The writer role: takes everything queued, writes it with one call, flushes once (fsync mode), then completes
/// every append of the batch (group commit). Owns the failed/healthy state machine and the counters.
/// </summary>
/// <remarks>
/// <para>While the writer flushes batch N, request threads fill batch N+1, so batches grow with load and the disk sees
/// one write and one flush per batch, not per record. There is no artificial delay: a lone append is written at once.</para>
/// <para>The role is a lock (<see cref="_writeLock"/>): whoever holds it owns the segment writer and this class's
/// loop state, and only its holder takes batches from the queue, so batches are written in queue order. In fsync
/// mode only the writer thread takes it. In batch and none modes an appending thread that finds the role free takes
/// it and writes its own record — and whatever was queued before it — itself (<see cref="TryAppendInline"/>): its
/// append completes synchronously, without waking the writer thread and being woken back through the thread pool.
/// When the role is busy the appender spins for it briefly (<see cref="TryTakeRole"/>) before it queues for the
/// writer thread (profile: a third of the server's CPU went to those wake-ups and context switches at 50 % load); a
/// caller-run holder writes what queued meanwhile too (up to <see cref="MaxDrainRounds"/> more batches) before it
/// gives the role back, so those appends complete on a thread-pool thread rather than the writer thread.
/// The writer thread still runs the periodic flush, the retries of a failed log and the close.</para>
/// </remarks>
internal sealed class GroupCommitWriter
{
    // How long a caller-run append waits for a busy writer role before it queues (TryTakeRole): 10 µs.
    private static readonly long s_inlineSpinTicks = Stopwatch.Frequency * 10 / 1_000_000;

    // How many more batches a caller-run append writes for others before it gives the role back (TryAppendInline):
    // a bound on what one request's own latency absorbs (a write call each, a few microseconds); what is left then
    // goes to the writer thread as before.
    private const int MaxDrainRounds = 4;

    // Environment.ProcessorCount honours the affinity mask (taskset, cgroup cpusets), so a pinned process sees 1.
    private static readonly bool s_oneCore = Environment.ProcessorCount == 1;

    private readonly LogContext _context;
    private readonly AppendQueue _queue;
    private readonly SegmentWriter _segments;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AuditDurability _durability;
    private readonly bool _failOpen;
    private readonly long _flushIntervalTicks;
    private readonly long _retryIntervalTicks;
    private readonly Lock _headLock = new();
    private readonly Lock _writeLock = new();
    private readonly bool _inline;
    private bool _writerKnowsUnflushed;
    private bool _segmentsClosed;
    private ulong _headSequence;
    private ChainHash _headHash;
    private int _state;
    private long _records;
    private long _bytes;
    private long _batches;
    private long _failedAppends;
    private long _failOpenAppends;
    private long _lastFlush;
    private long _nextRetry;
    private long _failedSince;
    private long _failedAtFailure;
    private long _failOpenAtFailure;

    public GroupCommitWriter(LogContext context, AppendQueue queue, SegmentWriter segments)
    {
        _context = context;
        _queue = queue;
        _segments = segments;
        _durability = context.Options.Durability;
        _failOpen = context.Options.FailOpen;

        // fsync mode keeps every write on the writer thread: a request thread must not block in fdatasync.
        _inline = _durability != AuditDurability.Fsync;
        _flushIntervalTicks = (long)(context.Options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
        _retryIntervalTicks = (long)(context.Options.RetryInterval.TotalSeconds * Stopwatch.Frequency);
        _lastFlush = Stopwatch.GetTimestamp();
        segments.CopyHead(out _headSequence, out _headHash);
        _thread = new Thread(Run) { IsBackground = true, Name = "jwl-audit-writer" };
    }

    /// <summary>Completes when the thread has written everything queued before closing and exited.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Current state as an int (<see cref="AuditLogState"/>), for the append fast path.</summary>
    public int RawState => Volatile.Read(ref _state);

    public void Start() => _thread.Start();

    /// <summary>Marks the log closed for statistics (after the thread stopped).</summary>
    public void MarkClosed() => Volatile.Write(ref _state, (int)AuditLogState.Closed);

    /// <summary>Counts an append refused on the caller's thread because the log is failed.</summary>
    public AuditAck RefuseWhileFailed()
    {
        if (_failOpen)
        {
            Interlocked.Increment(ref _failOpenAppends);
            return new AuditAck(AuditAppendStatus.NotWritten, 0, 0);
        }

        Interlocked.Increment(ref _failedAppends);
        return new AuditAck(AuditAppendStatus.Failed, 0, 0);
    }

    /// <summary>
    /// Batch and none modes: when no one holds the writer role, takes it and writes <paramref name="payload"/> (with
    /// anything queued before it) on the calling thread, completing <paramref name="op"/> before returning. Returns
    /// false, having done nothing, when the role is busy, the mode is fsync or the log is not healthy: the caller
    /// queues as usual. When it returns true, <paramref name="result"/> says whether the operation was taken (it may
    /// still complete later if a full queue in wait mode put it behind others).
    /// </summary>
    public bool TryAppendInline(AppendOperation op, ReadOnlySpan<byte> payload, out EnqueueResult result)
    {
        result = EnqueueResult.Queued;
        if (!_inline || !TryTakeRole())
        {
            return false;
        }

        try
        {
            if (_segmentsClosed || RawState != (int)AuditLogState.Healthy)
            {
                return false;
            }

            result = _queue.Enqueue(op, payload, wakeWriter: false);
            if (result != EnqueueResult.Queued)
            {
                return true;
            }

            var batch = _queue.Take(out _);
            if (batch is not null)
            {
                WriteBatch(batch, Stopwatch.GetTimestamp());
                _queue.Release(batch);
            }

            // Appends that queued while we wrote (their threads found the role busy) are written here too, a few
            // batches at most: completed on this thread-pool thread, their continuations go to its local queue, where
            // left to the writer thread they would be dispatched through the pool's global queue — behind every socket
            // read waiting there, tens of milliseconds under overload (measured at 3× on one core: the server's own
            // decision p99 ≤ 50 ms before, ≤ 25 ms with this; docs/benchmarks.md).
            for (var round = 0; round < MaxDrainRounds && _queue.Depth > 0 && RawState == (int)AuditLogState.Healthy; round++)
            {
                batch = _queue.Take(out _);
                if (batch is null)
                {
                    break;
                }

                WriteBatch(batch, Stopwatch.GetTimestamp());
                _queue.Release(batch);
            }

            // The writer thread may be asleep with nothing to do: wake it when it has a flush to schedule (batch mode;
            // once per interval, not per append), a retry to schedule (the write failed), or appends left queued.
            var flushUnknown = _durability == AuditDurability.Batch && !_writerKnowsUnflushed && _segments.HasUnflushedData;
            if (flushUnknown || RawState != (int)AuditLogState.Healthy || _queue.Depth > 0)
            {
                _writerKnowsUnflushed |= flushUnknown;
                _queue.Wake();
            }

            return true;
        }
        finally
        {
            _writeLock.Exit();
        }
    }

    /// <summary>
    /// Takes the writer role for a caller-run write, waiting up to <see cref="s_inlineSpinTicks"/> for a holder that is
    /// writing now: its write is a few microseconds, less than queueing for the writer thread costs (its wake-up, and
    /// the append's continuation dispatched back through the thread pool).
    /// </summary>
    private bool TryTakeRole()
    {
        if (_writeLock.TryEnter())
        {
            return true;
        }

        // On one core the holder cannot finish while we spin: it waits for this thread's time slice. (Runs of the
        // server pinned to one core could not resolve a difference either way: 8-14.5k decisions/s for every build.)
        if (s_oneCore)
        {
            return false;
        }

        var deadline = Stopwatch.GetTimestamp() + s_inlineSpinTicks;
        var spinner = default(SpinWait);
        do
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (_writeLock.TryEnter())
            {
                return true;
            }
        }
        while (Stopwatch.GetTimestamp() < deadline);

        return false;
    }

    public AuditHead GetHead()
    {
        lock (_headLock)
        {
            return new AuditHead(_headSequence, ChainHash.ToHex(_headHash));
        }
    }

    public AuditLogStatistics GetStatistics(long rejected) => new(
        (AuditLogState)RawState,
        Interlocked.Read(ref _records),
        Interlocked.Read(ref _bytes),
        Interlocked.Read(ref _batches),
        _segments.Flushes,
        Interlocked.Read(ref _failedAppends),
        Interlocked.Read(ref _failOpenAppends),
        rejected,
        Volatile.Read(ref _headSequence));

    private void Run()
    {
        try
        {
            Loop();
        }
        catch (Exception ex)
        {
            // Not expected (every I/O call is handled below); if it happens the log must still not hang its callers.
            Volatile.Write(ref _state, (int)AuditLogState.Failed);
            _context.Observer.Failed(new AuditFailure("writer thread", ex, _failOpen));
            _stopped.TrySetException(ex);
            return;
        }

        _stopped.TrySetResult();
    }

    private void Loop()
    {
        while (true)
        {
            int timeout;
            lock (_writeLock)
            {
                timeout = ComputeTimeout();
                _writerKnowsUnflushed = _segments.HasUnflushedData;
            }

            _queue.WaitForWork(timeout);
            if (WriterStep())
            {
                break;
            }
        }

        lock (_writeLock)
        {
            _segmentsClosed = true;
            try
            {
                _segments.Dispose();
            }
            catch (Exception ex)
            {
                _context.Observer.Failed(new AuditFailure("close", ex, _failOpen));
            }
        }
    }

    /// <summary>One turn of the writer thread, holding the writer role. Returns true when the queue is closed and drained.</summary>
    private bool WriterStep()
    {
        lock (_writeLock)
        {
            var batch = _queue.Take(out var drained);
            var now = Stopwatch.GetTimestamp();
            if (RawState == (int)AuditLogState.Failed && now >= _nextRetry)
            {
                TryResume(now);
            }

            if (batch is not null)
            {
                if (RawState == (int)AuditLogState.Healthy)
                {
                    WriteBatch(batch, now);
                }
                else
                {
                    FailBatch(batch, 0);
                }

                _queue.Release(batch);
            }

            if (_durability == AuditDurability.Batch && RawState == (int)AuditLogState.Healthy &&
                _segments.HasUnflushedData && now - _lastFlush >= _flushIntervalTicks)
            {
                PeriodicFlush(now);
            }

            return drained;
        }
    }

    private int ComputeTimeout()
    {
        long due;
        if (RawState == (int)AuditLogState.Failed)
        {
            due = _nextRetry;
        }
        else if (_durability == AuditDurability.Batch && _segments.HasUnflushedData)
        {
            due = _lastFlush + _flushIntervalTicks;
        }
        else
        {
            return Timeout.Infinite;
        }

        var remaining = due - Stopwatch.GetTimestamp();
        return remaining <= 0 ? 0 : (int)Math.Clamp(remaining * 1000 / Stopwatch.Frequency + 1, 1, int.MaxValue);
    }

    private void WriteBatch(PendingBatch batch, long now)
    {
        var operations = batch.Operations;
        var count = batch.Count;
        var flush = _durability == AuditDurability.Fsync;
        var timestamp = _segments.NextTimestamp(_context.NowUnixMs);
        var first = _segments.NextSequence;
        var committed = 0;
        Exception? error = null;
        try
        {
            _segments.Write(batch, timestamp, flush, ref committed);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        if (committed > 0)
        {
            if (flush)
            {
                _lastFlush = now;
            }

            Interlocked.Add(ref _records, committed);
            Interlocked.Add(ref _bytes, _segments.CommittedBytes);
            lock (_headLock)
            {
                _segments.CopyHead(out _headSequence, out _headHash);
            }
        }

        Interlocked.Increment(ref _batches);
        if (error is not null)
        {
            // State first, so a caller that sees a failed ack also sees the failed state.
            EnterFailed(_segments.Stage, error, now);
        }

        var status = flush ? AuditAppendStatus.Durable : AuditAppendStatus.Written;
        for (var i = 0; i < committed; i++)
        {
            operations[i].Complete(new AuditAck(status, first + (ulong)i, timestamp));
        }

        if (committed < count)
        {
            FailBatch(batch, committed);
        }

        if (committed > 0 && _context.Observer.BatchWrittenWanted)
        {
            var info = new AuditBatchInfo(
                committed,
                _segments.CommittedBytes,
                first + (ulong)committed - 1,
                _segments.WriteTicks * 1_000_000 / Stopwatch.Frequency,
                _segments.FlushTicks * 1_000_000 / Stopwatch.Frequency);
            _context.Observer.BatchWritten(info);
        }
    }

    private void FailBatch(PendingBatch batch, int from)
    {
        var operations = batch.Operations;
        var ack = new AuditAck(_failOpen ? AuditAppendStatus.NotWritten : AuditAppendStatus.Failed, 0, 0);
        var failed = batch.Count - from;
        if (_failOpen)
        {
            Interlocked.Add(ref _failOpenAppends, failed);
        }
        else
        {
            Interlocked.Add(ref _failedAppends, failed);
        }

        for (var i = from; i < batch.Count; i++)
        {
            operations[i].Complete(ack);
        }
    }

    private void PeriodicFlush(long now)
    {
        try
        {
            _segments.FlushInBackground();
            _lastFlush = now;
        }
        catch (Exception ex)
        {
            EnterFailed("flush", ex, now);
        }
    }

    private void EnterFailed(string operation, Exception error, long now)
    {
        _nextRetry = now + _retryIntervalTicks;
        if (RawState == (int)AuditLogState.Failed)
        {
            return;
        }

        _failedSince = now;
        _failedAtFailure = Interlocked.Read(ref _failedAppends);
        _failOpenAtFailure = Interlocked.Read(ref _failOpenAppends);
        Volatile.Write(ref _state, (int)AuditLogState.Failed);
        _context.Observer.Failed(new AuditFailure(operation, error, _failOpen));
    }

    private void TryResume(long now)
    {
        try
        {
            _segments.Repair(_segments.NextTimestamp(_context.NowUnixMs));
        }
        catch (Exception ex)
        {
            _nextRetry = now + _retryIntervalTicks;
            _context.Observer.BackgroundError("retry", ex);
            return;
        }

        _lastFlush = now;
        Volatile.Write(ref _state, (int)AuditLogState.Healthy);
        _context.Observer.Resumed(new AuditResumption(
            Stopwatch.GetElapsedTime(_failedSince, now),
            Interlocked.Read(ref _failedAppends) - _failedAtFailure,
            Interlocked.Read(ref _failOpenAppends) - _failOpenAtFailure));
    }
}
