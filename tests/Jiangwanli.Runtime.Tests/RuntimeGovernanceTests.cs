using System.Text.Json;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Runtime.Tests.Support;

namespace Jiangwanli.Runtime.Tests;

[Collection(ProcessWideCollection.Name)]
public sealed class RuntimeGovernanceTests
{
    [Fact]
    public async Task StartThenStop_AllComponents_RunAndStopCleanly()
    {
        var options = new RuntimeGovernanceOptions { GcTrace = true };
        options.GcMonitor.Interval = TimeSpan.FromMilliseconds(50);
        options.ThreadPoolProbe.Interval = TimeSpan.FromMilliseconds(20);
        options.MemoryGovernor.Interval = TimeSpan.FromMilliseconds(50);
        var observer = new RecordingObserver();
        using var trace = new LineWriter();
        await using var governance = new RuntimeGovernance(options, observer, gcTraceOutput: trace);
        governance.Start();
        governance.Start(); // idempotent

        // The first GCs after the listener is created may go unseen: induce until one is traced.
        await Eventually.WithinBound(Until(() =>
        {
            if (!trace.Lines.Any(l => l.Contains(" Induced ", StringComparison.Ordinal)))
            {
                GC.Collect(0, GCCollectionMode.Forced, blocking: true);
                return false;
            }

            return governance.ThreadPoolProbe.Samples >= 2;
        }));

        Assert.NotNull(governance.GcTrace);
        Assert.True(governance.GcTrace.LinesWritten >= 1);
        Assert.Equal(0, governance.MemoryGovernor.AdmissionPressure);
        Assert.False(governance.CpuProfiler.IsBusy);

        foreach (var write in new Func<Stream, Task>[]
        {
            s => governance.GcMonitor.WriteSnapshotAsync(s),
            s => governance.ThreadPoolProbe.WriteSnapshotAsync(s),
            s => governance.MemoryGovernor.WriteSnapshotAsync(s),
        })
        {
            using var stream = new MemoryStream();
            await write(stream);
            using var json = JsonDocument.Parse(stream.ToArray());
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }

        await governance.StopAsync();
        var samples = governance.ThreadPoolProbe.Samples;
        var profile = await governance.AllocationProfiler.CollectAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(ProfileStatus.Completed, profile.Status); // profiling does not depend on the periodic work
        Assert.InRange(governance.ThreadPoolProbe.Samples, samples, samples + 1); // at most one probe was in flight
        Assert.Empty(observer.Errors);
    }

    private static async Task<bool> Until(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(10);
        }

        return true;
    }
}
