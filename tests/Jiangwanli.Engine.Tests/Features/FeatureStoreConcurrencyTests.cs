using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>Concurrent decisions on shared keys end in the same windows as one thread observing the same events.</summary>
public sealed class FeatureStoreConcurrencyTests
{
    [Fact]
    public void Observe_ManyThreadsOnSharedKeys_FinalWindowsEqualSerialRun()
    {
        var features = new[]
        {
            FeatureEvents.Define(0, FeatureKind.Count, 3_600_000),
            FeatureEvents.Define(1, FeatureKind.Sum, 3_600_000),
            FeatureEvents.Define(2, FeatureKind.Min, 60_000),
            FeatureEvents.Define(3, FeatureKind.Max, 60_000),
            FeatureEvents.Define(4, FeatureKind.Avg, 600_000),
            FeatureEvents.Define(5, FeatureKind.Distinct, 3_600_000),
            FeatureEvents.Define(6, FeatureKind.Count, 1_000),
        };

        const int Users = 16;
        var random = new Random(42);
        var events = new FeatureEvent[16_000];
        for (var i = 0; i < events.Length; i++)
        {
            // Integer amounts: sums are exact in any order, so "equal" means equal.
            events[i] = new FeatureEvent(random.Next(Users), 1_000_000 + (i * 25) + random.Next(-5_000, 5_000), random.Next(1, 500), random.Next(100));
        }

        var serial = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(features.Length);
        foreach (var e in events)
        {
            FeatureEvents.Fill(context, e);
            serial.Observe(features, context);
        }

        var shared = new InMemoryFeatureStore(new FeatureStoreOptions { Shards = 4 });
        const int Threads = 4;
        using var start = new Barrier(Threads);
        var workers = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var own = FeatureEvents.NewContext(features.Length);
            start.SignalAndWait();
            for (var i = t; i < events.Length; i += Threads)
            {
                FeatureEvents.Fill(own, events[i]);
                shared.Observe(features, own);
            }
        })).ToArray();
        foreach (var worker in workers)
        {
            worker.Start();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(serial.TrackedKeys, shared.TrackedKeys);
        foreach (var feature in features)
        {
            for (var user = 0; user < Users; user++)
            {
                Assert.True(serial.TryGetValue(feature, FeatureEvents.UserKey(user), out var expected));
                Assert.True(shared.TryGetValue(feature, FeatureEvents.UserKey(user), out var actual));
                Assert.Equal(expected, actual);
            }
        }
    }
}
