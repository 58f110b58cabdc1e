using System.Collections.Concurrent;
using System.Text;
using Jiangwanli.Audit.Storage;

namespace Jiangwanli.Audit.Tests;

/// <summary>A fresh directory under the temp folder, deleted on dispose.</summary>
internal sealed class TestDirectory : IDisposable
{
    /// <param name="inMemory">
    /// Use tmpfs (/dev/shm) when there is one: for tests that rewrite files thousands of times (tampering), where the
    /// disk would only add time and nothing to what is checked.
    /// </param>
    public TestDirectory(bool inMemory = false)
    {
        var root = inMemory && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, "jwl-audit-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>Records every observer event; tests wait on the semaphores.</summary>
internal sealed class RecordingObserver : IAuditObserver
{
    public ConcurrentQueue<AuditBatchInfo> Batches { get; } = new();

    /// <summary>The thread that wrote each batch of <see cref="Batches"/>, in the same order.</summary>
    public ConcurrentQueue<(int ThreadId, bool PoolThread)> BatchWriters { get; } = new();
    public ConcurrentQueue<AuditTruncation> Truncations { get; } = new();
    public ConcurrentQueue<AuditFailure> Failures { get; } = new();
    public ConcurrentQueue<AuditResumption> Resumptions { get; } = new();
    public ConcurrentQueue<(AuditSegmentInfo Segment, string? ArchivedPath)> Retired { get; } = new();
    public ConcurrentQueue<AuditSegmentInfo> Created { get; } = new();
    public ConcurrentQueue<(string Operation, Exception Error)> BackgroundErrors { get; } = new();
    public AuditRecoveryReport? Recovered { get; private set; }
    public SemaphoreSlim FailedSignal { get; } = new(0);
    public SemaphoreSlim ResumedSignal { get; } = new(0);
    public SemaphoreSlim RetiredSignal { get; } = new(0);

    public void OnRecovered(AuditRecoveryReport report) => Recovered = report;
    public void OnTruncated(AuditTruncation truncation) => Truncations.Enqueue(truncation);
    public void OnBatchWritten(in AuditBatchInfo batch)
    {
        BatchWriters.Enqueue((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread));
        Batches.Enqueue(batch);
    }
    public void OnSegmentCreated(AuditSegmentInfo segment) => Created.Enqueue(segment);
    public void OnBackgroundError(string operation, Exception error) => BackgroundErrors.Enqueue((operation, error));

    public void OnFailed(AuditFailure failure)
    {
        Failures.Enqueue(failure);
        FailedSignal.Release();
    }

    public void OnResumed(AuditResumption resumption)
    {
        Resumptions.Enqueue(resumption);
        ResumedSignal.Release();
    }

    public void OnSegmentRetired(AuditSegmentInfo segment, string? archivedPath)
    {
        Retired.Enqueue((segment, archivedPath));
        RetiredSignal.Release();
    }
}

/// <summary>
/// The real file system with switches that make record writes and flushes fail or block, and segment creation fail
/// (disk full). "Record write": a write of frames (at offset ≥ 64, starting with a non-zero length field); "data
/// flush": FlushData of a file that has had record writes. Zero-fills and header writes pass untouched.
/// </summary>
internal sealed class FaultyStorage : ISegmentStorage
{
    private int _recordWrites;
    private int _dataFlushes;

    public static IOException DiskFull() => new("No space left on device (injected)", 28);

    /// <summary>Thrown by record writes while set.</summary>
    public volatile Exception? WriteFault;

    /// <summary>When set with <see cref="WriteFault"/>, the write first writes half its bytes.</summary>
    public volatile bool PartialWrite;

    /// <summary>Thrown by data flushes while set.</summary>
    public volatile Exception? FlushFault;

    /// <summary>Thrown by CreateNew while set.</summary>
    public volatile Exception? CreateFault;

    /// <summary>Record writes wait for this while it is not null.</summary>
    public volatile ManualResetEventSlim? WriteGate;

    /// <summary>Data flushes wait for this while it is not null.</summary>
    public volatile ManualResetEventSlim? FlushGate;

    /// <summary>Released after every record write (before a gate is awaited... after the write itself).</summary>
    public SemaphoreSlim RecordWritten { get; } = new(0);

    /// <summary>Released when a record write reaches the write gate.</summary>
    public SemaphoreSlim WriteGateReached { get; } = new(0);

    /// <summary>Released when a data flush reaches the flush gate.</summary>
    public SemaphoreSlim FlushGateReached { get; } = new(0);

    public int RecordWrites => Volatile.Read(ref _recordWrites);

    public int DataFlushes => Volatile.Read(ref _dataFlushes);

    public ISegmentFile OpenExisting(string path) => new FaultyFile(this, FileSegmentStorage.Instance.OpenExisting(path));

    public ISegmentFile CreateNew(string path, long preallocationBytes)
    {
        if (CreateFault is { } fault)
        {
            throw fault;
        }

        return new FaultyFile(this, FileSegmentStorage.Instance.CreateNew(path, preallocationBytes));
    }

    public void Move(string sourcePath, string destinationPath) => FileSegmentStorage.Instance.Move(sourcePath, destinationPath);

    public void Delete(string path) => FileSegmentStorage.Instance.Delete(path);

    public void FlushDirectory(string directory) => FileSegmentStorage.Instance.FlushDirectory(directory);

    private sealed class FaultyFile(FaultyStorage owner, ISegmentFile inner) : ISegmentFile
    {
        private bool _hadRecordWrite;

        public long Length => inner.Length;

        public void Write(ReadOnlySpan<byte> source, long offset)
        {
            var isRecordWrite = offset >= 64 && source.Length >= 4 && source[..4].ContainsAnyExcept((byte)0);

            // Faults hit record writes and any later write into the same segment (e.g. the writer's repair), as a
            // failing device would.
            if (isRecordWrite || (offset >= 64 && _hadRecordWrite))
            {
                if (isRecordWrite && owner.WriteGate is { } gate)
                {
                    owner.WriteGateReached.Release();
                    gate.Wait();
                }

                if (owner.WriteFault is { } fault)
                {
                    if (owner.PartialWrite)
                    {
                        inner.Write(source[..(source.Length / 2)], offset);
                    }

                    throw fault;
                }
            }

            inner.Write(source, offset);
            if (isRecordWrite)
            {
                _hadRecordWrite = true;
                Interlocked.Increment(ref owner._recordWrites);
                owner.RecordWritten.Release();
            }
        }

        public int Read(Span<byte> destination, long offset) => inner.Read(destination, offset);

        public void FlushData()
        {
            if (_hadRecordWrite)
            {
                if (owner.FlushGate is { } gate)
                {
                    owner.FlushGateReached.Release();
                    gate.Wait();
                }

                if (owner.FlushFault is { } fault)
                {
                    throw fault;
                }

                Interlocked.Increment(ref owner._dataFlushes);
            }

            inner.FlushData();
        }

        public void FlushAll() => inner.FlushAll();

        public void SetLength(long length) => inner.SetLength(length);

        public void Dispose() => inner.Dispose();
    }
}

internal static class Logs
{
    /// <summary>Options for a small, fast test log.</summary>
    public static AuditLogOptions Small(string directory, long segmentBytes = 64 << 10) => new()
    {
        Directory = directory,
        SegmentBytes = segmentBytes,
        MaxPayloadBytes = 1024,
        QueueCapacityBytes = 256 << 10,
        QueueCapacityRecords = 4096,
        RetryInterval = TimeSpan.FromMilliseconds(20),
    };

    public static byte[] Payload(int i) => Encoding.UTF8.GetBytes($"{{\"decision\":\"allow\",\"n\":{i}}}");

    /// <summary>Appends <paramref name="count"/> records one after another; asserts each is written.</summary>
    public static async Task<List<AuditAck>> AppendManyAsync(AuditLog log, int count, int start = 0)
    {
        var acks = new List<AuditAck>(count);
        for (var i = 0; i < count; i++)
        {
            var ack = await log.AppendAsync(Payload(start + i));
            Assert.True(ack.IsWritten, ack.ToString());
            acks.Add(ack);
        }

        return acks;
    }

    /// <summary>
    /// Starts <paramref name="count"/> appends (payloads <paramref name="start"/> on) without awaiting any: each is
    /// copied into the log before <see cref="AuditLog.AppendAsync"/> returns, so behind a held writer role they queue.
    /// </summary>
    public static ValueTask<AuditAck>[] StartAppends(AuditLog log, int count, int start)
    {
        var pending = new ValueTask<AuditAck>[count];
        for (var i = 0; i < count; i++)
        {
#pragma warning disable CA2012 // held on purpose; the caller awaits each exactly once
            pending[i] = log.AppendAsync(Payload(start + i));
#pragma warning restore CA2012
        }

        return pending;
    }

    /// <summary>All records of a directory, payloads copied.</summary>
    public static List<(ulong Sequence, long Timestamp, string Payload)> ReadAll(string directory, ulong from = 1)
    {
        var result = new List<(ulong, long, string)>();
        using var reader = AuditReader.Open(directory, from);
        while (reader.TryRead(out var record))
        {
            result.Add((record.Sequence, record.TimestampUnixMs, Encoding.UTF8.GetString(record.Payload.Span)));
        }

        return result;
    }

    public static string[] SegmentPaths(string directory) =>
        [.. Directory.GetFiles(directory, "*.seg").OrderBy(p => p, StringComparer.Ordinal)];

    /// <summary>Waits (bounded, as a hang guard) for a semaphore an event releases.</summary>
    public static async Task WaitAsync(SemaphoreSlim signal, string what)
    {
        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(30)), $"timed out waiting for {what}");
    }
}
