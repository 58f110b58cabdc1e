using System.Diagnostics.Metrics;
using System.Text.Json;
using Jiangwanli.Runtime.Tests.Support;
using Jiangwanli.Runtime.Threading;

namespace Jiangwanli.Runtime.Tests.Threading;

public sealed class ThreadPoolProbeTests
{
    [Fact]
    public async Task Probe_QueuedWorkItemRuns_RecordsDelayInHistogramAndSnapshot()
    {
        using var probe = new ThreadPoolProbe();
        var measured = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RuntimeMeter.Name && instrument.Name == "jiangwanli.runtime.threadpool.queue_delay")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => measured.TrySetResult(value));
        listener.Start();

        probe.Probe();
        var delay = await Eventually.WithinBound(measured.Task);

        Assert.True(delay >= 0);
        Assert.Equal(1, probe.Samples);
        using var stream = new MemoryStream();
        await probe.WriteSnapshotAsync(stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;
        Assert.True(root.GetProperty("threadCount").GetInt32() > 0);
        Assert.True(root.GetProperty("completedWorkItems").GetInt64() > 0);
        Assert.True(root.TryGetProperty("pendingWorkItems", out _));
        var queueDelay = root.GetProperty("queueDelay");
        Assert.Equal(1, queueDelay.GetProperty("samples").GetInt64());
        Assert.Equal(queueDelay.GetProperty("p99Ms").GetDouble(), queueDelay.GetProperty("maxMs").GetDouble());
    }

    [Fact]
    public async Task StartStop_WithManualClock_ProbesOnEachTick()
    {
        var time = new ManualTimeProvider();
        await using var probe = new ThreadPoolProbe(new ThreadPoolProbeOptions { Interval = TimeSpan.FromSeconds(1) }, timeProvider: time);
        probe.Start();
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WithinBound(WaitForSamples(probe, 1));
        await probe.StopAsync();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, probe.Samples);
    }

    private static async Task<bool> WaitForSamples(ThreadPoolProbe probe, long count)
    {
        while (probe.Samples < count)
        {
            await Task.Delay(10);
        }

        return true;
    }
}
