using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>Steady state allocates nothing: once a key exists, updating and reading its window is allocation-free.</summary>
public sealed class FeatureStoreAllocationTests
{
    [Fact]
    public void Observe_ExistingKeys_AllocatesNothing()
    {
        var features = new[]
        {
            FeatureEvents.Define(0, FeatureKind.Count, 3_600_000),
            FeatureEvents.Define(1, FeatureKind.Sum, 86_400_000),
            FeatureEvents.Define(2, FeatureKind.Min, 60_000),
            FeatureEvents.Define(3, FeatureKind.Max, 60_000),
            FeatureEvents.Define(4, FeatureKind.Avg, 600_000),
            FeatureEvents.Define(5, FeatureKind.Distinct, 3_600_000),
        };

        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var contexts = new DecisionContext[400];
        for (var i = 0; i < contexts.Length; i++)
        {
            // User 0 gets 300 distinct merchants (sketch mode); users 1..3 stay in the exact regime.
            contexts[i] = FeatureEvents.NewContext(features.Length);
            var user = i < 300 ? 0 : 1 + (i % 3);
            FeatureEvents.Fill(contexts[i], new FeatureEvent(user, 1_000_000 + (i * 997), i, i < 300 ? i : i % 10));
        }

        foreach (var context in contexts)
        {
            store.Observe(features, context);
        }

        var allocated = SteadyStateAllocation.Measure(() =>
        {
            for (var round = 0; round < 20; round++)
            {
                foreach (var context in contexts)
                {
                    context.TimestampMs += 50_000;
                    store.Observe(features, context);
                }
            }
        });
        Assert.Equal(0, allocated);
        Assert.True(contexts[0].GetFeature(5) > 64, "user 0 should be in sketch mode");
    }
}
