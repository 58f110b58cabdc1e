using System.Diagnostics;
using Jiangwanli.Audit.Format;

namespace Jiangwanli.Audit.Writing;

/// <summary>
/// The one writer thread: takes everything queued, writes it with one call, flushes once (fsync mode), then completes
/// every append of the batch (group commit). Owns the failed/healthy state machine and the counters.
/// </summary>
/// <remarks>
/// While the writer flushes batch N, request threads fill batch N+1, so batches grow with load and the disk sees
/// one write and one flush per batch, not per record. There is no artificial delay: a lone append is written at once.
/// </remarks>
internal sealed class GroupCommitWriter
{
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
            var batch = _queue.Take(ComputeTimeout(), out var drained);
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

            if (drained)
            {
                break;
            }
        }

        try
        {
            _segments.Dispose();
        }
        catch (Exception ex)
        {
            _context.Observer.Failed(new AuditFailure("close", ex, _failOpen));
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
