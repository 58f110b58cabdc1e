using System.Diagnostics.Metrics;
using Jiangwanli.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Tests.Telemetry;

/// <summary>Refusals are counted per reason, exactly under concurrency, and published on the observable counter.</summary>
public sealed class JiangwanliMetricsTests
{
    [Fact]
    public void Rejected_ManyThreadsTwoReasons_CountsEachExactlyAndPublishesThem()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var metrics = new JiangwanliMetrics(factory);
        const int Threads = 4, PerThread = 10_000;

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                metrics.Rejected(i % 4 == 0 ? "backlog" : "overloaded");
            }
        });

        Assert.Equal(Threads * PerThread / 4, metrics.RejectedCount("backlog"));
        Assert.Equal(Threads * PerThread * 3 / 4, metrics.RejectedCount("overloaded"));
        Assert.Equal(0, metrics.RejectedCount("memory"));

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this test's meter: tests running in parallel publish the same instrument from their own factories.
            if (instrument.Name == "jiangwanli.events.rejected" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen[(string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen.Count);
        Assert.Equal(Threads * PerThread / 4, seen["backlog"]);
        Assert.Equal(Threads * PerThread * 3 / 4, seen["overloaded"]);
    }
}
