using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Jiangwanli.Audit.Format;
using Jiangwanli.Audit.Storage;
using Jiangwanli.Audit.Writing;

namespace Jiangwanli.Audit;

/// <summary>
/// The durable, tamper-evident decision log: hash-chained, preallocated segment files written by one group-commit
/// writer thread. Thread-safe: every request thread may call <see cref="AppendAsync"/>.
/// </summary>
/// <remarks>
/// <para>Lifetime: <see cref="Open"/> at startup (runs recovery, then starts the writer thread), appends, then
/// <see cref="DisposeAsync"/> at shutdown after the request pipeline has drained: queued records are still written
/// and flushed, later appends complete with <see cref="AuditAppendStatus.Closed"/>.</para>
/// <para>On-disk format: <see cref="SegmentHeader"/> and <see cref="RecordFrame"/>; prose in docs/audit-log.md.</para>
/// </remarks>
public sealed class AuditLog : IAsyncDisposable
{
    private readonly LogContext _context;
    private readonly FileStream _lockFile;
    private readonly SegmentCatalog _catalog;
    private readonly SegmentMaintainer _maintainer;
    private readonly AppendQueue _queue;
    private readonly GroupCommitWriter _writer;
    private readonly BackgroundFlusher? _flusher;
    private readonly int _maxPayloadBytes;
    private long _rejected;
    private int _disposed;

    private AuditLog(LogContext context, FileStream lockFile, RecoveredLog recovered)
    {
        _context = context;
        _lockFile = lockFile;
        _maxPayloadBytes = context.Options.MaxPayloadBytes;
        Recovery = recovered.Report;
        _catalog = new SegmentCatalog();
        foreach (var segment in recovered.Segments)
        {
            _catalog.Add(segment);
        }

        _maintainer = new SegmentMaintainer(context, _catalog);
        _queue = new AppendQueue(
            context.Options.QueueCapacityBytes, context.Options.QueueCapacityRecords, context.Options.QueueFullMode == AuditQueueFullMode.Reject);
        _flusher = context.Options.Durability is AuditDurability.Fsync or AuditDurability.Batch ? new BackgroundFlusher() : null;
        _writer = new GroupCommitWriter(context, _queue, new SegmentWriter(context, _catalog, _maintainer, recovered, _flusher));
    }

    /// <summary>What recovery found and did when the log was opened.</summary>
    public AuditRecoveryReport Recovery { get; }

    /// <summary>Full path of the log directory.</summary>
    public string Directory => _context.Directory;

    /// <summary>Healthy, failed (fail closed or open) or closed.</summary>
    public AuditLogState State => (AuditLogState)_writer.RawState;

    /// <summary>
    /// Opens (or creates) the log in <see cref="AuditLogOptions.Directory"/>: takes an exclusive lock on the directory,
    /// recovers (verifies the last segment, cuts a torn tail, reports it), then starts the writer and maintenance
    /// threads. Throws <see cref="AuditLogCorruptException"/> for damage recovery must not repair on its own, and
    /// <see cref="IOException"/> when another process has the directory open.
    /// </summary>
    /// <param name="options">Configuration; validated here.</param>
    /// <param name="observer">Receives recovery, batch, failure and retention events; optional.</param>
    /// <param name="time">Clock for record timestamps and retention age; <see cref="TimeProvider.System"/> by default.</param>
    public static AuditLog Open(AuditLogOptions options, IAuditObserver? observer = null, TimeProvider? time = null) =>
        OpenOnStorage(options, observer, time, FileSegmentStorage.Instance);

    /// <summary>Opens the log over a given storage (tests inject failures through it).</summary>
    internal static AuditLog OpenOnStorage(AuditLogOptions options, IAuditObserver? observer, TimeProvider? time, ISegmentStorage storage)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var context = new LogContext(options, storage, observer, time ?? TimeProvider.System);
        System.IO.Directory.CreateDirectory(context.Directory);
        var lockFile = AcquireLock(context.Directory);
        try
        {
            var recovered = LogRecovery.Run(context);
            var log = new AuditLog(context, lockFile, recovered);
            context.Observer.Recovered(recovered.Report);
            log._maintainer.Start();
            log._writer.Start();
            return log;
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues a copy of <paramref name="payload"/> as the next record and returns when it is written: flushed to disk
    /// in <see cref="AuditDurability.Fsync"/> mode, written to the OS otherwise. Failures are values
    /// (<see cref="AuditAck.Status"/>), not exceptions. Allocation-free in steady state; the payload is copied before
    /// this method returns, so the caller may reuse its buffer at once. Await the result exactly once.
    /// </summary>
    /// <exception cref="ArgumentException">The payload exceeds <see cref="AuditLogOptions.MaxPayloadBytes"/>.</exception>
    public ValueTask<AuditAck> AppendAsync(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > _maxPayloadBytes)
        {
            ThrowPayloadTooLarge(payload.Length);
        }

        if (_writer.RawState != (int)AuditLogState.Healthy)
        {
            return AppendWhenNotHealthy();
        }

        var op = AppendOperation.Rent();
        var token = op.Version;

        // Batch/none modes write on this thread when no one else is writing (then the ValueTask is already complete).
        if (!_writer.TryAppendInline(op, payload, out var result))
        {
            result = _queue.Enqueue(op, payload);
        }

        if (result == EnqueueResult.Queued)
        {
            return new ValueTask<AuditAck>(op, token);
        }

        return Refused(op, result);
    }

    /// <summary>The segments, oldest first, the last one active (for the management endpoint).</summary>
    public IReadOnlyList<AuditSegmentInfo> ListSegments() => _catalog.Snapshot();

    /// <summary>
    /// The last written sequence number and the chain value after it. Publish it to anchor the active segment
    /// (see <see cref="AuditVerifyOptions.Anchor"/>).
    /// </summary>
    public AuditHead GetHead() => _writer.GetHead();

    /// <summary>Counters since <see cref="Open"/>.</summary>
    public AuditLogStatistics GetStatistics() => _writer.GetStatistics(Interlocked.Read(ref _rejected));

    /// <summary>Applies retention now (it also runs after every new segment and every retention interval).</summary>
    public void ApplyRetention() => _maintainer.ApplyRetention();

    /// <summary>
    /// Stops accepting appends, writes and flushes everything already queued, stops the threads, releases the
    /// directory lock. Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Close();
        try
        {
            await _writer.Stopped.ConfigureAwait(false);
        }
        finally
        {
            _writer.MarkClosed();
            _flusher?.Dispose();
            _maintainer.Dispose();
            await _lockFile.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static FileStream AcquireLock(string directory)
    {
        var path = Path.Combine(directory, SegmentFiles.LockFileName);
        try
        {
            // FileShare.None: an advisory exclusive lock (flock) on Unix, a sharing violation on Windows.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The audit log directory {directory} is in use by another process ({ex.Message}).", ex);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<AuditAck> AppendWhenNotHealthy() =>
        new(_writer.RawState == (int)AuditLogState.Failed
            ? _writer.RefuseWhileFailed()
            : new AuditAck(AuditAppendStatus.Closed, 0, 0));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ValueTask<AuditAck> Refused(AppendOperation op, EnqueueResult result)
    {
        AppendOperation.ReturnUnused(op);
        if (result == EnqueueResult.Rejected)
        {
            Interlocked.Increment(ref _rejected);
            return new(new AuditAck(AuditAppendStatus.Rejected, 0, 0));
        }

        return new(new AuditAck(AuditAppendStatus.Closed, 0, 0));
    }

    [DoesNotReturn]
    private void ThrowPayloadTooLarge(int length) =>
        throw new ArgumentException(
            $"Audit payload of {length} bytes exceeds MaxPayloadBytes ({_maxPayloadBytes}).");
}
