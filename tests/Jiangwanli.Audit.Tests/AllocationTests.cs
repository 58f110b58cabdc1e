namespace Jiangwanli.Audit.Tests;

public class AllocationTests
{
    [Theory]
    [InlineData(AuditDurability.Fsync, 1000)]
    [InlineData(AuditDurability.None, 5000)]
    public async Task AppendAsync_SteadyState_AllocatesNothingOnTheCallersThread(AuditDurability durability, int count)
    {
        using var dir = new TestDirectory();
        var options = Logs.Small(dir.Path, segmentBytes: 8 << 20);
        options.Durability = durability;
        await using var log = AuditLog.Open(options);
        var payload = Logs.Payload(12345);
        long allocated = -1;

        // A dedicated thread: an await would move the measurement to another thread, so wait by spinning on the
        // ValueTask (no allocation) and then consume it with GetResult, exactly once.
        var thread = new Thread(() =>
        {
            Run(log, payload, 500);
            var before = GC.GetAllocatedBytesForCurrentThread();
            Run(log, payload, count);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        thread.Start();
        thread.Join();

        Assert.Equal(0, allocated);
        Assert.Equal(500 + count, log.GetStatistics().RecordsWritten);
    }

    private static void Run(AuditLog log, byte[] payload, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var pending = log.AppendAsync(payload);
            var spin = default(SpinWait);
            while (!pending.IsCompleted)
            {
                spin.SpinOnce();
            }

            if (pending.Result.Status is not (AuditAppendStatus.Durable or AuditAppendStatus.Written))
            {
                throw new InvalidOperationException("append failed");
            }
        }
    }
}
