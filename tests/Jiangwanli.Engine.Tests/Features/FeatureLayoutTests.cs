using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>
/// Entity records (all windows of one entity in one record): a feature list whose layout changes keeps the windows of
/// the feature states it shares with the old one, keys are counted per window, and eviction drops whole records.
/// </summary>
public sealed class FeatureLayoutTests
{
    private const long Hour = 3_600_000;

    [Fact]
    public void Observe_NewLayoutWithSharedStates_TakesOverCountsSumsAndDistinct()
    {
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        FeatureDefinition[] before =
        [
            FeatureEvents.Define(0, FeatureKind.Count, Hour),
            FeatureEvents.Define(1, FeatureKind.Distinct, Hour),
            FeatureEvents.Define(2, FeatureKind.Max, Hour),
        ];
        var context = FeatureEvents.NewContext(8);
        for (var i = 0; i < 3; i++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 1_000 + i, 10 * (i + 1), i % 2));
            store.Observe(before, context);
        }

        Assert.Equal(3, store.TrackedKeys);

        // Another pack: the same count and distinct states (other names and slots), reordered, plus a new sum; the max
        // is gone. Its first event for user 1 must see the old windows plus itself.
        FeatureDefinition[] after =
        [
            FeatureEvents.Define(4, FeatureKind.Sum, Hour),
            FeatureEvents.Define(5, FeatureKind.Distinct, Hour),
            FeatureEvents.Define(6, FeatureKind.Count, Hour),
        ];
        FeatureEvents.Fill(context, new FeatureEvent(1, 2_000, 5, 7));
        store.Observe(after, context);
        Assert.Equal(5, context.GetFeature(4));  // new state: only this event
        Assert.Equal(3, context.GetFeature(5));  // merchants 0, 1 taken over, plus 7
        Assert.Equal(4, context.GetFeature(6));  // 3 taken over, plus this one
        Assert.Equal(6, store.TrackedKeys);     // old record (3 windows) until it expires + new record (3)

        // Reads prefer the newest layout; a user first seen under the new layout starts from nothing.
        Assert.True(store.TryGetValue(after[2], FeatureEvents.UserKey(1), out var count));
        Assert.Equal(4, count);
        FeatureEvents.Fill(context, new FeatureEvent(2, 2_000, 1, 1));
        store.Observe(after, context);
        Assert.Equal(1, context.GetFeature(6));
    }

    [Fact]
    public void Observe_OldLayoutAfterTakeOver_DistinctStartsOverAndCountsStayIndependent()
    {
        // Requests still on the old pack keep working on the old record: the distinct set moved away, counts were copied.
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        FeatureDefinition[] before = [FeatureEvents.Define(0, FeatureKind.Count, Hour), FeatureEvents.Define(1, FeatureKind.Distinct, Hour)];
        FeatureDefinition[] after = [FeatureEvents.Define(1, FeatureKind.Distinct, Hour), FeatureEvents.Define(0, FeatureKind.Count, Hour)];
        var context = FeatureEvents.NewContext(2);
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_000, null, 3));
        store.Observe(before, context);
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_100, null, 4));
        store.Observe(after, context);
        Assert.Equal(2, context.GetFeature(0));
        Assert.Equal(2, context.GetFeature(1));

        FeatureEvents.Fill(context, new FeatureEvent(1, 1_200, null, 5));
        store.Observe(before, context);
        Assert.Equal(2, context.GetFeature(0)); // the old record's own count: 1 before, plus this event
        Assert.Equal(1, context.GetFeature(1)); // its distinct window was handed over, so it restarts
    }

    [Fact]
    public void Observe_MultiWindowRecordsOverCap_EvictWholeRecordsAndCountWindows()
    {
        FeatureDefinition[] features =
        [
            FeatureEvents.Define(0, FeatureKind.Count, 60_000),
            FeatureEvents.Define(1, FeatureKind.Count, Hour),
            FeatureEvents.Define(2, FeatureKind.Sum, Hour),
            FeatureEvents.Define(3, FeatureKind.Distinct, Hour),
        ];
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { MaxTrackedKeys = 100, Shards = 1 });
        var context = FeatureEvents.NewContext(features.Length);
        for (var user = 0; user < 60; user++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(user, 1_000, 1, user));
            store.Observe(features, context);
            Assert.True(store.TrackedKeys <= 100, $"{store.TrackedKeys} windows tracked");
            Assert.Equal(0, store.TrackedKeys % 4); // whole records only
        }

        Assert.Equal(100, store.TrackedKeys);
        Assert.Equal((60 * 4) - 100, store.Evictions);

        // The newest user is whole; the oldest is gone (all four windows).
        Assert.True(store.TryGetValue(features[3], FeatureEvents.UserKey(59), out var distinct));
        Assert.Equal(1, distinct);
        Assert.False(store.TryGetValue(features[0], FeatureEvents.UserKey(0), out _));
        Assert.False(store.TryGetValue(features[3], FeatureEvents.UserKey(0), out _));
    }

    [Fact]
    public void Observe_DistinctPastExactLimitThenWindowEmpties_BackToExactAndCountsAgain()
    {
        // 200 distinct merchants (past the exact limit: sketch), then an event a whole window later: exact from 1.
        var feature = FeatureEvents.Define(0, FeatureKind.Distinct, Hour);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { DistinctExactLimit = 16 });
        var context = FeatureEvents.NewContext(1);
        for (var m = 0; m < 200; m++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 1_000 + m, null, m));
            store.Observe([feature], context);
        }

        Assert.InRange(context.GetFeature(0), 160, 240); // HyperLogLog, p = 7: ±9 % standard error
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_000 + (2 * Hour), null, 1));
        store.Observe([feature], context);
        Assert.Equal(1, context.GetFeature(0));
        FeatureEvents.Fill(context, new FeatureEvent(1, 1_001 + (2 * Hour), null, 2));
        store.Observe([feature], context);
        Assert.Equal(2, context.GetFeature(0));
    }

    [Fact]
    public void Observe_DistinctValueLeavesAndReturns_CountedOnceWhileLive()
    {
        // 32 buckets of 112.5 s in an hour. Value 1 at t=0, values 2 and 3 later; at t = 1 h + 200 s value 1's bucket has
        // left the window (its pair stays in the set, dead), then value 1 returns and is live again, counted once.
        var feature = FeatureEvents.Define(0, FeatureKind.Distinct, Hour);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        double Observe(long t, int merchant)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, t, null, merchant));
            store.Observe([feature], context);
            return context.GetFeature(0);
        }

        Assert.Equal(1, Observe(0, 1));
        Assert.Equal(2, Observe(1_800_000, 2));
        Assert.Equal(3, Observe(1_900_000, 3));
        Assert.Equal(3, Observe(1_950_000, 2));          // value 2 again: moves to a newer bucket, still 3
        Assert.Equal(2, Observe(Hour + 200_000, 3));     // value 1 expired; 2 and 3 live
        Assert.Equal(3, Observe(Hour + 210_000, 1));     // value 1 back
        Assert.Equal(3, Observe(Hour + 220_000, 1));
    }

    [Fact]
    public void Observe_SumOverManySlides_DoesNotDrift()
    {
        // The running sum subtracts the buckets that leave instead of refolding: 200,000 events of mixed magnitude
        // (±1e9 with cents) over ~600 slides of a 1 min window must still match the exact sum of the live window.
        var feature = FeatureEvents.Define(0, FeatureKind.Sum, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        var random = new Random(7);
        var events = new List<(long Bucket, decimal Amount)>();
        const long BucketMs = 60_000 / 32;
        double last = 0;
        long t = 0;
        for (var i = 0; i < 200_000; i++)
        {
            t += random.Next(0, 400);
            var amount = Math.Round((random.NextDouble() - 0.5) * (i % 3 == 0 ? 2e9 : 2e3), 2);
            FeatureEvents.Fill(context, new FeatureEvent(1, t, amount, null));
            store.Observe([feature], context);
            last = context.GetFeature(0);
            events.Add((t / BucketMs, (decimal)amount));
        }

        var head = t / BucketMs;
        var exact = events.Where(e => e.Bucket > head - 32).Sum(e => e.Amount);
        var magnitude = events.Where(e => e.Bucket > head - 32).Sum(e => Math.Abs(e.Amount));
        Assert.True(Math.Abs((double)exact - last) <= 1e-15 * (double)magnitude, $"sum {last}, exact {exact}, magnitude {magnitude}");
    }
}
