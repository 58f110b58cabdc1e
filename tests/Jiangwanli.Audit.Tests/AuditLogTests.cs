using System.Text;

// These tests hold ValueTasks on purpose (to observe pipelining and completion order); each is awaited exactly once.
#pragma warning disable CA2012

namespace Jiangwanli.Audit.Tests;

public class AuditLogTests
{
    [Fact]
    public async Task AppendAsync_FreshLog_AcksDenseSequencesAndReadsBack()
    {
        using var dir = new TestDirectory();
        await using (var log = AuditLog.Open(Logs.Small(dir.Path)))
        {
            Assert.True(log.Recovery.CreatedNewLog);
            var acks = await Logs.AppendManyAsync(log, 50);
            Assert.All(acks, a => Assert.Equal(AuditAppendStatus.Durable, a.Status));
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (ulong)i), acks.Select(a => a.Sequence));
        }

        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(50, records.Count);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal((ulong)(i + 1), records[i].Sequence);
            Assert.Equal(Encoding.UTF8.GetString(Logs.Payload(i)), records[i].Payload);
        }

        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task AppendAsync_ReservedOnlySegments_BehaveTheSame()
    {
        using var dir = new TestDirectory();
        var options = Logs.Small(dir.Path, segmentBytes: 4096);
        options.ZeroFillSegments = false;
        await using (var log = AuditLog.Open(options))
        {
            await Logs.AppendManyAsync(log, 200);
            Assert.True(log.ListSegments().Count > 2);
            Assert.Equal(4096, new FileInfo(log.ListSegments()[^1].Path).Length);
        }

        await using (var log = AuditLog.Open(options))
        {
            Assert.Null(log.Recovery.Truncation);
            Assert.Equal(201ul, (await log.AppendAsync("x"u8)).Sequence);
        }

        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
        Assert.Equal(201, Logs.ReadAll(dir.Path).Count);
    }

    [Fact]
    public async Task Open_ExistingLog_ContinuesSequenceAndChain()
    {
        using var dir = new TestDirectory();
        await using (var log = AuditLog.Open(Logs.Small(dir.Path)))
        {
            await Logs.AppendManyAsync(log, 10);
        }

        await using (var log = AuditLog.Open(Logs.Small(dir.Path)))
        {
            Assert.False(log.Recovery.CreatedNewLog);
            Assert.Null(log.Recovery.Truncation);
            Assert.Equal(10ul, log.Recovery.LastSequence);
            Assert.Equal(10, log.Recovery.RecordsVerified);
            var ack = await log.AppendAsync(Logs.Payload(10));
            Assert.Equal(11ul, ack.Sequence);
        }

        var result = AuditVerifier.Verify(dir.Path);
        Assert.True(result.IsValid, result.Failure?.Message);
        Assert.Equal(11ul, result.LastSequence);
        Assert.True(result.StartsAtGenesis);
    }

    [Fact]
    public async Task AppendAsync_ManySegments_ChainVerifiesAcrossSegmentsAndSealedSegmentsAreTrimmed()
    {
        using var dir = new TestDirectory();
        var observer = new RecordingObserver();
        await using (var log = AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 4096), observer))
        {
            await Logs.AppendManyAsync(log, 400);
            var segments = log.ListSegments();
            Assert.True(segments.Count > 3);
            Assert.True(segments[^1].IsActive);
            Assert.All(segments.Take(segments.Count - 1), s => Assert.False(s.IsActive));
            Assert.Equal(1ul, segments[0].FirstSequence);
            for (var i = 0; i < segments.Count - 1; i++)
            {
                Assert.Equal(new FileInfo(segments[i].Path).Length, segments[i].Length);
            }

            Assert.Equal(segments.Count - 1, observer.Created.Count);
            var head = log.GetHead();
            var verified = AuditVerifier.Verify(dir.Path);
            Assert.True(verified.IsValid, verified.Failure?.Message);
            Assert.Equal(400ul, head.Sequence);
            Assert.Equal(head.Hash, verified.LastHash);
        }

        Assert.Equal(400, Logs.ReadAll(dir.Path).Count);
    }

    [Theory]
    [InlineData(AuditDurability.Fsync)]
    [InlineData(AuditDurability.Batch)] // appending threads write themselves when the writer role is free
    [InlineData(AuditDurability.None)]
    public async Task AppendAsync_ConcurrentProducers_AllAckedDenseInOrderPerProducerAndVerified(AuditDurability durability)
    {
        using var dir = new TestDirectory();
        const int producers = 8;
        const int perProducer = 1500;
        var options = Logs.Small(dir.Path, segmentBytes: 256 << 10);
        options.Durability = durability;
        var expected = durability == AuditDurability.Fsync ? AuditAppendStatus.Durable : AuditAppendStatus.Written;
        var sequences = new ulong[producers][];
        await using (var log = AuditLog.Open(options))
        {
            var tasks = Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
            {
                var mine = sequences[p] = new ulong[perProducer];
                var pending = new ValueTask<AuditAck>[32];
                for (var i = 0; i < perProducer + pending.Length; i++)
                {
                    var slot = i % pending.Length;
                    if (i >= pending.Length)
                    {
                        var done = await pending[slot];
                        Assert.Equal(expected, done.Status);
                        mine[i - pending.Length] = done.Sequence;
                    }

                    if (i < perProducer)
                    {
                        pending[slot] = log.AppendAsync(Logs.Payload((p * perProducer) + i));
                    }
                }
            })).ToArray();
            await Task.WhenAll(tasks);
            var stats = log.GetStatistics();
            Assert.Equal(producers * perProducer, stats.RecordsWritten);
            if (durability == AuditDurability.Fsync)
            {
                Assert.True(stats.Flushes >= stats.Batches);
            }
        }

        // Dense, each once, and one producer's appends in the order it made them.
        Assert.Equal(Enumerable.Range(1, producers * perProducer).Select(i => (ulong)i), sequences.SelectMany(s => s).Order());
        Assert.All(sequences, mine => Assert.Equal(mine.Order(), mine));
        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(producers * perProducer, records.Select(r => r.Payload).Distinct().Count());
        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task AppendAsync_BatchModeWriterRoleFree_CompletesOnTheCallersThread()
    {
        using var dir = new TestDirectory();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        await using var log = AuditLog.Open(options);
        var synchronous = 0;
        for (var i = 0; i < 20; i++)
        {
            var pending = log.AppendAsync(Logs.Payload(i));
            synchronous += pending.IsCompleted ? 1 : 0;
            Assert.Equal(AuditAppendStatus.Written, (await pending).Status);
        }

        // One at a time, the role is free but for the writer thread's brief turns: nearly all are written inline.
        Assert.True(synchronous >= 10, $"{synchronous} of 20 appends completed synchronously");
    }

    [Fact]
    public async Task AppendAsync_WhileWriterBusy_QueuedAppendsShareOneWriteAndOneFlush()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path), observer, null, storage);
        await using (log)
        {
            using var gate = new ManualResetEventSlim(false);
            storage.WriteGate = gate;
            var first = log.AppendAsync(Logs.Payload(0));
            await Logs.WaitAsync(storage.WriteGateReached, "the first write");

            // The writer is stuck in the first write; these are copied into the queue before AppendAsync returns.
            var queued = Logs.StartAppends(log, 100, start: 1);

            storage.WriteGate = null;
            gate.Set();
            Assert.Equal(1ul, (await first).Sequence);
            for (var i = 0; i < queued.Length; i++)
            {
                var ack = await queued[i];
                Assert.Equal(AuditAppendStatus.Durable, ack.Status);
                Assert.Equal((ulong)(i + 2), ack.Sequence);
            }

            Assert.Equal([1, 100], observer.Batches.Select(b => b.Records));
            Assert.Equal(2, storage.RecordWrites);
            Assert.Equal(2, storage.DataFlushes);
        }
    }

    [Fact]
    public async Task AppendAsync_QueuedBehindACallerRunWrite_AreWrittenByThatCallerNotTheWriterThread()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        var log = AuditLog.OpenOnStorage(options, observer, null, storage);
        await using (log)
        {
            // A pool thread takes the free writer role and is held inside its own (gated) write.
            using var gate = new ManualResetEventSlim(false);
            storage.WriteGate = gate;
            var first = Task.Run(() => log.AppendAsync(Logs.Payload(0)).AsTask());
            await Logs.WaitAsync(storage.WriteGateReached, "the caller-run write");

            // These find the role busy and queue (waking the writer thread, which then waits for the role).
            var queued = Logs.StartAppends(log, 10, start: 1);

            storage.WriteGate = null;
            gate.Set();
            Assert.Equal(1ul, (await first).Sequence);
            for (var i = 0; i < queued.Length; i++)
            {
                Assert.Equal((ulong)(i + 2), (await queued[i]).Sequence);
            }

            // The holder wrote the queued ones before giving the role back: their completions come from a pool
            // thread (continuations via its local queue), not from the writer thread (via the global queue).
            Assert.Equal([1, 10], observer.Batches.Select(b => b.Records));
            var writers = observer.BatchWriters.ToArray();
            Assert.Equal(writers[0].ThreadId, writers[1].ThreadId);
            Assert.True(writers[1].PoolThread, "the queued batch was written by the writer thread");
        }
    }

    [Fact]
    public async Task AppendAsync_FsyncMode_CompletesOnlyAfterTheFlush()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        await using var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path), null, null, storage);
        using var gate = new ManualResetEventSlim(false);
        storage.FlushGate = gate;
        var pending = log.AppendAsync(Logs.Payload(0));
        await Logs.WaitAsync(storage.RecordWritten, "the write");

        // Written but not flushed (the flush is held at the gate): not acknowledged.
        Assert.False(pending.IsCompleted);
        gate.Set();
        var ack = await pending;
        Assert.Equal(AuditAppendStatus.Durable, ack.Status);
        Assert.Equal(1, storage.DataFlushes);
    }

    [Fact]
    public async Task AppendAsync_BatchMode_AcksWrittenBeforeFlushAndFlushesOnDispose()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        options.FlushInterval = TimeSpan.FromHours(1);
        var log = AuditLog.OpenOnStorage(options, null, null, storage);
        await using (log)
        {
            var acks = await Logs.AppendManyAsync(log, 20);
            Assert.All(acks, a => Assert.Equal(AuditAppendStatus.Written, a.Status));
            Assert.Equal(0, storage.DataFlushes);
        }

        Assert.Equal(1, storage.DataFlushes);
        Assert.Equal(20, Logs.ReadAll(dir.Path).Count);
    }

    [Fact]
    public async Task AppendAsync_BatchMode_FlushesWithinTheInterval()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        options.FlushInterval = TimeSpan.FromMilliseconds(5);
        await using var log = AuditLog.OpenOnStorage(options, null, null, storage);
        var ack = await log.AppendAsync(Logs.Payload(0));
        Assert.Equal(AuditAppendStatus.Written, ack.Status);

        // The writer flushes on its own once the interval passes, with no further appends.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (storage.DataFlushes == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(1, storage.DataFlushes);
    }

    [Fact]
    public async Task AppendAsync_BatchMode_AppendsAreWrittenWhileAPeriodicFlushWaitsForTheDevice()
    {
        using var dir = new TestDirectory();
        using var gate = new ManualResetEventSlim(false);
        var storage = new FaultyStorage { FlushGate = gate };
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        options.FlushInterval = TimeSpan.FromMilliseconds(1);
        var log = AuditLog.OpenOnStorage(options, null, null, storage);
        await using (log)
        {
            Assert.Equal(AuditAppendStatus.Written, (await log.AppendAsync(Logs.Payload(0))).Status);
            await Logs.WaitAsync(storage.FlushGateReached, "the periodic flush");

            // The flush is stuck in the device; the writer must not be: these are written and acknowledged meanwhile.
            var acks = await Logs.AppendManyAsync(log, 50, start: 1).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.All(acks, a => Assert.Equal(AuditAppendStatus.Written, a.Status));
            Assert.Equal(0, storage.DataFlushes);
            gate.Set();
        }

        Assert.True(storage.DataFlushes >= 1);
        Assert.Equal(51, Logs.ReadAll(dir.Path).Count);
    }

    [Fact]
    public async Task AppendAsync_NoneMode_NeverFlushesUntilDispose()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.None;
        var log = AuditLog.OpenOnStorage(options, null, null, storage);
        await using (log)
        {
            var acks = await Logs.AppendManyAsync(log, 30);
            Assert.All(acks, a => Assert.Equal(AuditAppendStatus.Written, a.Status));
            Assert.Equal(0, storage.DataFlushes);
            Assert.Equal(0, log.GetStatistics().Flushes);
        }

        Assert.Equal(1, storage.DataFlushes);
        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task AppendAsync_QueueFullInRejectMode_RejectsAtOnce()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var options = Logs.Small(dir.Path);
        options.QueueCapacityRecords = 4;
        options.QueueFullMode = AuditQueueFullMode.Reject;
        await using var log = AuditLog.OpenOnStorage(options, null, null, storage);
        using var gate = new ManualResetEventSlim(false);
        storage.WriteGate = gate;
        var first = log.AppendAsync(Logs.Payload(0));
        await Logs.WaitAsync(storage.WriteGateReached, "the first write");
        var queued = Enumerable.Range(1, 4).Select(i => log.AppendAsync(Logs.Payload(i))).ToArray();

        var rejected = log.AppendAsync(Logs.Payload(5));
        Assert.True(rejected.IsCompleted);
        var rejectedAck = await rejected;
        Assert.Equal(AuditAppendStatus.Rejected, rejectedAck.Status);
        Assert.False(rejectedAck.IsAccepted);

        storage.WriteGate = null;
        gate.Set();
        Assert.True((await first).IsWritten);
        foreach (var vt in queued)
        {
            Assert.True((await vt).IsWritten);
        }

        Assert.Equal(1, log.GetStatistics().RejectedAppends);
    }

    [Fact]
    public async Task AppendAsync_QueueFullInWaitMode_WaitsAndKeepsArrivalOrder()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var options = Logs.Small(dir.Path);
        options.QueueCapacityRecords = 4;
        await using var log = AuditLog.OpenOnStorage(options, null, null, storage);
        using var gate = new ManualResetEventSlim(false);
        storage.WriteGate = gate;
        var first = log.AppendAsync(Logs.Payload(0));
        await Logs.WaitAsync(storage.WriteGateReached, "the first write");
        var pending = Enumerable.Range(1, 20).Select(i => log.AppendAsync(Logs.Payload(i))).ToArray();
        Assert.All(pending, vt => Assert.False(vt.IsCompleted));

        storage.WriteGate = null;
        gate.Set();
        await first;
        for (var i = 0; i < pending.Length; i++)
        {
            var ack = await pending[i];
            Assert.Equal(AuditAppendStatus.Durable, ack.Status);
            Assert.Equal((ulong)(i + 2), ack.Sequence);
        }

        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => Encoding.UTF8.GetString(Logs.Payload(i))), records.Select(r => r.Payload));
    }

    [Fact]
    public async Task AppendAsync_AfterDispose_CompletesClosed()
    {
        using var dir = new TestDirectory();
        var log = AuditLog.Open(Logs.Small(dir.Path));
        await log.DisposeAsync();
        await log.DisposeAsync();
        var ack = await log.AppendAsync(Logs.Payload(0));
        Assert.Equal(AuditAppendStatus.Closed, ack.Status);
        Assert.Equal(AuditLogState.Closed, log.State);
    }

    [Fact]
    public async Task AppendAsync_PayloadTooLarge_Throws()
    {
        using var dir = new TestDirectory();
        await using var log = AuditLog.Open(Logs.Small(dir.Path));
        Assert.Throws<ArgumentException>(() => log.AppendAsync(new byte[1025]));
        Assert.True((await log.AppendAsync(new byte[1024])).IsWritten);
        Assert.True((await log.AppendAsync([])).IsWritten);
    }

    [Fact]
    public async Task Open_DirectoryAlreadyOpen_Throws()
    {
        using var dir = new TestDirectory();
        await using var log = AuditLog.Open(Logs.Small(dir.Path));
        Assert.Throws<IOException>(() => AuditLog.Open(Logs.Small(dir.Path)));
    }

    [Fact]
    public void Open_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => AuditLog.Open(new AuditLogOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditLog.Open(new AuditLogOptions { Directory = "x", SegmentBytes = 1000 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AuditLog.Open(new AuditLogOptions { Directory = "x", QueueCapacityBytes = 10 }));
    }

    [Fact]
    public async Task AppendAsync_Timestamps_ComeFromTheClockAndNeverDecrease()
    {
        using var dir = new TestDirectory();
        var time = new ManualTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        await using var log = AuditLog.Open(Logs.Small(dir.Path), null, time);
        var a = await log.AppendAsync(Logs.Payload(0));
        time.Advance(TimeSpan.FromSeconds(-10));
        var b = await log.AppendAsync(Logs.Payload(1));
        time.Advance(TimeSpan.FromSeconds(20));
        var c = await log.AppendAsync(Logs.Payload(2));
        Assert.Equal(1_800_000_000_000, a.TimestampUnixMs);
        Assert.Equal(1_800_000_000_000, b.TimestampUnixMs);
        Assert.Equal(1_800_000_010_000, c.TimestampUnixMs);
    }
}
