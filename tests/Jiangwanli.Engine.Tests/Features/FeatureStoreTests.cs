using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>Hand-worked examples of the window definition and the contract's edge cases.</summary>
public sealed class FeatureStoreTests
{
    [Fact]
    public void Observe_CountWithinWindow_IncludesCurrentEvent()
    {
        // 1 min window, 32 buckets of 1,875 ms.
        var feature = FeatureEvents.Define(0, FeatureKind.Count, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        Assert.Equal(1, Observe(store, context, feature, 0));
        Assert.Equal(2, Observe(store, context, feature, 59_999));
        // t = 60,000 is bucket 32: the window (0, 32] no longer holds bucket 0.
        Assert.Equal(2, Observe(store, context, feature, 60_000));
        // A late event inside the window counts.
        Assert.Equal(3, Observe(store, context, feature, 30_000));
        // A late event older than the whole window of the newest does not.
        Assert.Equal(3, Observe(store, context, feature, 1_000));
    }

    [Fact]
    public void Observe_EntityAbsent_FeatureNeitherUpdatedNorSet()
    {
        var feature = FeatureEvents.Define(0, FeatureKind.Count, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_000, null, null, HasUser: false));
        store.Observe([feature], context);
        Assert.False(context.HasFeature(0));
        Assert.Equal(0, store.TrackedKeys);
    }

    [Fact]
    public void Observe_AggregatedFieldAbsent_FeatureNeitherUpdatedNorSet()
    {
        var sum = FeatureEvents.Define(0, FeatureKind.Sum, 60_000);
        var distinct = FeatureEvents.Define(1, FeatureKind.Distinct, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(2);
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_000, 10, 7));
        store.Observe([sum, distinct], context);
        FeatureEvents.Fill(context, new FeatureEvent(1, 2_000, null, null));
        store.Observe([sum, distinct], context);
        Assert.False(context.HasFeature(0));
        Assert.False(context.HasFeature(1));
        FeatureEvents.Fill(context, new FeatureEvent(1, 3_000, 5, 8));
        store.Observe([sum, distinct], context);
        Assert.Equal(15, context.GetFeature(0));
        Assert.Equal(2, context.GetFeature(1));
    }

    [Fact]
    public void Observe_SameEntityDifferentFeatures_KeepSeparateState()
    {
        var hour = FeatureEvents.Define(0, FeatureKind.Count, 3_600_000);
        var minute = FeatureEvents.Define(1, FeatureKind.Count, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(2);
        FeatureEvents.Fill(context, new FeatureEvent(1, 0, null, null));
        store.Observe([hour, minute], context);
        FeatureEvents.Fill(context, new FeatureEvent(1, 120_000, null, null));
        store.Observe([hour, minute], context);
        Assert.Equal(2, context.GetFeature(0));
        Assert.Equal(1, context.GetFeature(1));
        Assert.Equal(2, store.TrackedKeys);
    }

    [Fact]
    public void Observe_RenamedFeatureWithSameStateId_KeepsWindow()
    {
        // A hot-reloaded pack that renames or reorders a feature keeps its state (same StateId).
        var before = new FeatureDefinition("user_txn_1h", 0, FeatureKind.Count, FeatureEvents.User, null, TimeSpan.FromHours(1));
        var after = new FeatureDefinition("txn_per_user_hour", 3, FeatureKind.Count, FeatureEvents.User, null, TimeSpan.FromHours(1));
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(4);
        FeatureEvents.Fill(context, new FeatureEvent(1, 0, null, null));
        store.Observe([before], context);
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_000, null, null));
        store.Observe([after], context);
        Assert.Equal(2, context.GetFeature(3));
    }

    [Fact]
    public void Observe_MinMaxAvg_HandWorkedExample()
    {
        var min = FeatureEvents.Define(0, FeatureKind.Min, 60_000);
        var max = FeatureEvents.Define(1, FeatureKind.Max, 60_000);
        var avg = FeatureEvents.Define(2, FeatureKind.Avg, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(3);
        foreach (var (t, amount) in new[] { (0L, 50.0), (10_000L, -20.0), (20_000L, 80.0) })
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, t, amount, null));
            store.Observe([min, max, avg], context);
        }

        Assert.Equal(-20, context.GetFeature(0));
        Assert.Equal(80, context.GetFeature(1));
        Assert.Equal(110 / 3.0, context.GetFeature(2), 12);

        // 70 s is bucket 37 (1,875 ms buckets): the window (5, 37] has dropped 0 s (bucket 0) and 10 s (bucket 5),
        // and keeps 20 s (bucket 10): less than 60 s of history, never more.
        FeatureEvents.Fill(context, new FeatureEvent(1, 70_000, 30, null));
        store.Observe([min, max, avg], context);
        Assert.Equal(30, context.GetFeature(0));
        Assert.Equal(80, context.GetFeature(1));
        Assert.Equal(55, context.GetFeature(2), 12);
    }

    private static double Observe(InMemoryFeatureStore store, DecisionContext context, FeatureDefinition feature, long timestamp)
    {
        FeatureEvents.Fill(context, new FeatureEvent(1, timestamp, null, null));
        store.Observe([feature], context);
        return context.GetFeature(0);
    }
}
