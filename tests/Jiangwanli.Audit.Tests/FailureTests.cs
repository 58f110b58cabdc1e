using System.Text;

namespace Jiangwanli.Audit.Tests;

/// <summary>Disk full and I/O errors: fail closed (or open), keep what is on disk, resume when writes succeed.</summary>
public class FailureTests
{
    [Fact]
    public async Task AppendAsync_WriteFails_FailsClosedKeepsDataAndResumes()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        await using (var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path), observer, null, storage))
        {
            await Logs.AppendManyAsync(log, 5);

            storage.WriteFault = FaultyStorage.DiskFull();
            var failed = await log.AppendAsync("lost-1"u8);
            Assert.Equal(AuditAppendStatus.Failed, failed.Status);
            Assert.False(failed.IsAccepted);
            Assert.Equal(0ul, failed.Sequence);
            await Logs.WaitAsync(observer.FailedSignal, "OnFailed");
            var failure = Assert.Single(observer.Failures);
            Assert.Equal("write", failure.Operation);
            Assert.Contains("No space left", failure.Error.Message, StringComparison.Ordinal);
            Assert.False(failure.FailOpen);

            // While failed, appends are refused at once, on the caller's thread.
            var refused = log.AppendAsync("lost-2"u8);
            Assert.True(refused.IsCompleted);
            Assert.Equal(AuditAppendStatus.Failed, (await refused).Status);
            Assert.Equal(AuditLogState.Failed, log.State);

            storage.WriteFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");
            Assert.Equal(AuditLogState.Healthy, log.State);
            Assert.Equal(2, Assert.Single(observer.Resumptions).FailedAppends);

            var resumed = await log.AppendAsync("after"u8);
            Assert.Equal(AuditAppendStatus.Durable, resumed.Status);
            Assert.Equal(6ul, resumed.Sequence);
            Assert.Equal(2, log.GetStatistics().FailedAppends);
        }

        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(6, records.Count);
        Assert.DoesNotContain(records, r => r.Payload.StartsWith("lost", StringComparison.Ordinal));
        Assert.True(AuditVerifier.Verify(dir.Path).IsValid);
    }

    [Fact]
    public async Task AppendAsync_PartialWriteThenFailure_LeavesNoTraceAfterResumeOrReopen()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        await using (var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path), observer, null, storage))
        {
            await Logs.AppendManyAsync(log, 3);
            storage.PartialWrite = true;
            storage.WriteFault = new IOException("injected I/O error");

            // A long failed batch, partly on disk...
            var batch = Enumerable.Range(0, 50).Select(i => log.AppendAsync(Encoding.UTF8.GetBytes($"failed-{i}-{new string('x', 40)}"))).ToArray();
            foreach (var vt in batch)
            {
                Assert.False((await vt).IsWritten);
            }

            storage.WriteFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");

            // ...then a short successful one: the failed batch's bytes must not survive behind it.
            Assert.Equal(4ul, (await log.AppendAsync("short"u8)).Sequence);
        }

        var verified = AuditVerifier.Verify(dir.Path);
        Assert.True(verified.IsValid, verified.Failure?.Message);
        Assert.Equal(4ul, verified.LastSequence);
        await using (var reopened = AuditLog.Open(Logs.Small(dir.Path)))
        {
            Assert.Null(reopened.Recovery.Truncation);
            Assert.Equal(4ul, reopened.Recovery.LastSequence);
        }
    }

    [Fact]
    public async Task AppendAsync_FlushFails_BatchIsNotAcknowledgedAndNotResurrected()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        await using (var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path), observer, null, storage))
        {
            await Logs.AppendManyAsync(log, 2);
            storage.FlushFault = new IOException("injected fsync failure");
            Assert.Equal(AuditAppendStatus.Failed, (await log.AppendAsync("unflushed"u8)).Status);
            await Logs.WaitAsync(observer.FailedSignal, "OnFailed");
            Assert.Equal("flush", Assert.Single(observer.Failures).Operation);

            storage.FlushFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");
        }

        var records = Logs.ReadAll(dir.Path);
        Assert.Equal(2, records.Count);
        Assert.DoesNotContain(records, r => r.Payload == "unflushed");
    }

    [Fact]
    public async Task AppendAsync_BatchModeBackgroundFlushFails_FailsClosedThenResumes()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        var options = Logs.Small(dir.Path);
        options.Durability = AuditDurability.Batch;
        options.FlushInterval = TimeSpan.FromMilliseconds(1);
        await using (var log = AuditLog.OpenOnStorage(options, observer, null, storage))
        {
            storage.FlushFault = new IOException("injected fdatasync failure");

            // Acknowledged as written (batch mode acks before the flush); the flush that follows fails in the background.
            Assert.Equal(AuditAppendStatus.Written, (await log.AppendAsync("before the failure"u8)).Status);
            await Logs.WaitAsync(observer.FailedSignal, "OnFailed");
            Assert.Equal("flush", Assert.Single(observer.Failures).Operation);
            Assert.Equal(AuditAppendStatus.Failed, (await log.AppendAsync("refused"u8)).Status);

            storage.FlushFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");
            Assert.Equal(AuditAppendStatus.Written, (await log.AppendAsync("after"u8)).Status);
        }

        var records = Logs.ReadAll(dir.Path);
        Assert.DoesNotContain(records, r => r.Payload == "refused");
        Assert.Equal("after", records[^1].Payload);
    }

    [Fact]
    public async Task AppendAsync_FailOpen_AcceptsUnwrittenAndCounts()
    {
        using var dir = new TestDirectory();
        var storage = new FaultyStorage();
        var observer = new RecordingObserver();
        var options = Logs.Small(dir.Path);
        options.FailOpen = true;
        await using (var log = AuditLog.OpenOnStorage(options, observer, null, storage))
        {
            await Logs.AppendManyAsync(log, 2);
            storage.WriteFault = FaultyStorage.DiskFull();
            var first = await log.AppendAsync("open-1"u8);
            Assert.Equal(AuditAppendStatus.NotWritten, first.Status);
            Assert.True(first.IsAccepted);
            Assert.False(first.IsWritten);
            await Logs.WaitAsync(observer.FailedSignal, "OnFailed");
            Assert.True(Assert.Single(observer.Failures).FailOpen);
            Assert.Equal(AuditAppendStatus.NotWritten, (await log.AppendAsync("open-2"u8)).Status);
            Assert.Equal(2, log.GetStatistics().FailOpenAppends);

            storage.WriteFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");
            Assert.Equal(2, Assert.Single(observer.Resumptions).FailOpenAppends);
            Assert.Equal(3ul, (await log.AppendAsync("back"u8)).Sequence);
        }

        Assert.Equal(["back"], Logs.ReadAll(dir.Path).Skip(2).Select(r => r.Payload));
    }

    [Fact]
    public async Task AppendAsync_DiskFullWhenStartingNewSegment_FailsThenRollsOnResume()
    {
        using var dir = new TestDirectory();
        await using (AuditLog.Open(Logs.Small(dir.Path, segmentBytes: 4096)))
        {
        }

        // From now on nothing can be created: the maintenance thread cannot prepare a spare, the writer cannot either.
        var storage = new FaultyStorage { CreateFault = FaultyStorage.DiskFull() };
        var observer = new RecordingObserver();
        await using (var log = AuditLog.OpenOnStorage(Logs.Small(dir.Path, segmentBytes: 4096), observer, null, storage))
        {
            var acks = new List<AuditAck>();
            for (var i = 0; i < 200 && (acks.Count == 0 || acks[^1].IsWritten); i++)
            {
                acks.Add(await log.AppendAsync(Logs.Payload(i)));
            }

            Assert.Equal(AuditAppendStatus.Failed, acks[^1].Status);
            await Logs.WaitAsync(observer.FailedSignal, "OnFailed");
            Assert.Equal("new segment", Assert.Single(observer.Failures).Operation);
            Assert.Single(log.ListSegments());

            storage.CreateFault = null;
            await Logs.WaitAsync(observer.ResumedSignal, "OnResumed");
            Assert.Equal(2, log.ListSegments().Count);
            var next = await log.AppendAsync("after"u8);
            Assert.Equal((ulong)acks.Count, next.Sequence);
        }

        var verified = AuditVerifier.Verify(dir.Path);
        Assert.True(verified.IsValid, verified.Failure?.Message);
        Assert.Equal(2, verified.SegmentCount);
    }
}
