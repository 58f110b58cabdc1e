using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>Bounded memory: the key cap, CLOCK eviction, idle expiry and compaction.</summary>
public sealed class FeatureStoreMemoryTests
{
    private static readonly FeatureDefinition s_count = FeatureEvents.Define(0, FeatureKind.Count, 60_000);

    [Fact]
    public void Observe_MoreKeysThanCap_TrackedKeysNeverExceedsCap()
    {
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { MaxTrackedKeys = 1_000 });
        var context = FeatureEvents.NewContext(1);
        for (var user = 0; user < 20_000; user++)
        {
            Observe(store, context, user, 1_000);
            Assert.True(store.TrackedKeys <= 1_000);
        }

        Assert.True(store.TrackedKeys > 900, $"tracked {store.TrackedKeys}: shards should fill up to their share");
        Assert.Equal(20_000 - store.TrackedKeys, store.Evictions);
    }

    [Fact]
    public void Observe_CapReached_RecentlyUsedKeysSurviveEviction()
    {
        // One shard, so the CLOCK order is exact: keys used again since they were added get a second chance.
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { MaxTrackedKeys = 100, Shards = 1 });
        var context = FeatureEvents.NewContext(1);
        for (var user = 0; user < 100; user++)
        {
            Observe(store, context, user, 1_000);
        }

        for (var user = 0; user < 50; user++)
        {
            Observe(store, context, user, 2_000);
        }

        for (var user = 100; user < 150; user++)
        {
            Observe(store, context, user, 3_000);
        }

        Assert.Equal(100, store.TrackedKeys);
        Assert.Equal(50, store.Evictions);
        for (var user = 0; user < 50; user++)
        {
            Assert.True(store.TryGetValue(s_count, FeatureEvents.UserKey(user), out var count), $"user {user} was evicted");
            Assert.Equal(2, count);
        }

        for (var user = 50; user < 100; user++)
        {
            Assert.False(store.TryGetValue(s_count, FeatureEvents.UserKey(user), out _), $"user {user} should have been evicted");
        }
    }

    [Fact]
    public void RemoveExpired_KeysIdlePastWindow_AreDroppedAndMemoryReturns()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemoryFeatureStore(new FeatureStoreOptions(), clock);
        var context = FeatureEvents.NewContext(1);
        var empty = store.EstimatedBytes;
        for (var user = 0; user < 50_000; user++)
        {
            Observe(store, context, user, 1_000);
        }

        var full = store.EstimatedBytes;
        Assert.Equal(50_000, store.TrackedKeys);
        Assert.True(full > empty + (50_000 * 100), $"{full} bytes for 50,000 keys");

        // Within the window (60 s) plus a bucket nothing expires.
        clock.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(0, store.RemoveExpired());
        Assert.Equal(50_000, store.TrackedKeys);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(50_000, store.RemoveExpired());
        Assert.Equal(0, store.TrackedKeys);
        Assert.Equal(50_000, store.Expirations);
        Assert.Equal(empty, store.EstimatedBytes);
    }

    [Fact]
    public void RemoveExpired_RecentlyObservedKeys_Survive()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemoryFeatureStore(new FeatureStoreOptions(), clock);
        var context = FeatureEvents.NewContext(1);
        for (var user = 0; user < 10_000; user++)
        {
            Observe(store, context, user, 1_000);
        }

        clock.Advance(TimeSpan.FromSeconds(40));
        for (var user = 0; user < 10_000; user += 2)
        {
            Observe(store, context, user, 2_000);
        }

        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(5_000, store.RemoveExpired());
        Assert.Equal(5_000, store.TrackedKeys);
        Assert.True(store.TryGetValue(s_count, FeatureEvents.UserKey(0), out var kept));
        Assert.Equal(2, kept);
        Assert.False(store.TryGetValue(s_count, FeatureEvents.UserKey(1), out _));
    }

    [Fact]
    public void RemoveExpired_SparseShard_CompactsAndSurvivorsKeepTheirWindows()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { Shards = 1 }, clock);
        FeatureDefinition[] features =
        [
            FeatureEvents.Define(0, FeatureKind.Count, 60_000),
            FeatureEvents.Define(1, FeatureKind.Sum, 60_000),
            FeatureEvents.Define(2, FeatureKind.Avg, 60_000),
            FeatureEvents.Define(3, FeatureKind.Distinct, 60_000),
            FeatureEvents.Define(4, FeatureKind.Min, 60_000),
        ];
        var context = FeatureEvents.NewContext(features.Length);
        for (var user = 0; user < 20_000; user++)
        {
            Observe(store, context, user, 1_000);
        }

        clock.Advance(TimeSpan.FromSeconds(40));
        for (var user = 20_000; user < 21_000; user++)
        {
            // User 20,000 sees 300 merchants: its distinct window is a sketch. Others see 1..5 merchants.
            var merchants = user == 20_000 ? 300 : 1 + (user % 5);
            for (var m = 0; m < merchants; m++)
            {
                FeatureEvents.Fill(context, new FeatureEvent(user, 2_000 + m, user % 97, m));
                store.Observe(features, context);
            }
        }

        var before = Snapshot(store, features);
        var bytesBefore = store.EstimatedBytes;
        clock.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(20_000, store.RemoveExpired());
        Assert.Equal(5_000, store.TrackedKeys);
        Assert.True(store.EstimatedBytes < bytesBefore / 2, $"{store.EstimatedBytes} bytes after, {bytesBefore} before");
        Assert.Equal(before, Snapshot(store, features));
        Assert.True(before[(3, 20_000)] > 250, "user 20,000 should be sketched");

        // Compacted windows keep working.
        FeatureEvents.Fill(context, new FeatureEvent(20_001, 3_000, 1, 99));
        store.Observe(features, context);
        Assert.Equal(before[(0, 20_001)] + 1, context.GetFeature(0));
        Assert.Equal(before[(3, 20_001)] + 1, context.GetFeature(3));
    }

    private static Dictionary<(int Feature, int User), double> Snapshot(InMemoryFeatureStore store, FeatureDefinition[] features)
    {
        var values = new Dictionary<(int, int), double>();
        for (var user = 20_000; user < 21_000; user++)
        {
            for (var f = 0; f < features.Length; f++)
            {
                Assert.True(store.TryGetValue(features[f], FeatureEvents.UserKey(user), out var value));
                values[(f, user)] = value;
            }
        }

        return values;
    }

    [Fact]
    public void FeatureTable_Layout_HotWordsFirstThenRings()
    {
        // The per-key memory budget (docs/features.md) depends on it: a 24 h count with 32 buckets is
        // 3 header + 2 hot + 16 ring words = 168 bytes; the hot words of all windows share the first lines.
        var layout = new WindowLayout(new FeatureStoreOptions());
        FeatureDefinition[] features =
        [
            FeatureEvents.Define(0, FeatureKind.Count, 86_400_000),
            FeatureEvents.Define(1, FeatureKind.Sum, 3_600_000),
            FeatureEvents.Define(2, FeatureKind.Avg, 60_000),
            FeatureEvents.Define(3, FeatureKind.Distinct, 60_000),
        ];
        var count = new FeatureTable(0, FeatureEvents.User, features.AsSpan(0, 1), layout, 0);
        Assert.Equal(21, count.RecordWords);

        var table = new FeatureTable(1, FeatureEvents.User, features, layout, 0);
        Assert.Equal([3, 5, 7, 10], table.Slots.Select(s => s.Hot));
        Assert.Equal([13, 29, 61, 125], table.Slots.Select(s => s.Ring));
        Assert.Equal(141, table.RecordWords); // distinct: a uint per bucket of newest-value counts, its values out of line
        Assert.InRange(table.ExpirySeconds, 86_400u + 2_700u, 90_000u); // longest window + a bucket, rounded up
    }

    [Fact]
    public void Observe_NewKeysAfterExpiry_ReuseMemoryOfExpiredKeys()
    {
        var clock = new ManualTimeProvider();
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { Shards = 64 }, clock);
        var context = FeatureEvents.NewContext(1);
        for (var user = 0; user < 50_000; user++)
        {
            Observe(store, context, user, 1_000);
        }

        var before = store.EstimatedBytes;
        clock.Advance(TimeSpan.FromMinutes(5));

        // No RemoveExpired: arriving keys reclaim expired slots as they go.
        for (var user = 50_000; user < 100_000; user++)
        {
            Observe(store, context, user, 400_000);
        }

        Assert.True(store.TrackedKeys <= 52_000, $"{store.TrackedKeys} keys tracked");
        Assert.True(store.EstimatedBytes <= before * 1.15, $"{store.EstimatedBytes} bytes vs {before} before");
    }

    [Fact]
    public void Clear_DropsAllKeys()
    {
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        var empty = store.EstimatedBytes;
        for (var user = 0; user < 1_000; user++)
        {
            Observe(store, context, user, 1_000);
        }

        store.Clear();
        Assert.Equal(0, store.TrackedKeys);
        Assert.Equal(empty, store.EstimatedBytes);
        Observe(store, context, 1, 1_000);
        Assert.Equal(1, context.GetFeature(0));
    }

    [Fact]
    public void Ctor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryFeatureStore(new FeatureStoreOptions { BucketsPerWindow = 30 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryFeatureStore(new FeatureStoreOptions { MaxTrackedKeys = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryFeatureStore(new FeatureStoreOptions { DistinctSketchPrecision = 13 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryFeatureStore(new FeatureStoreOptions { Shards = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryFeatureStore(new FeatureStoreOptions { IdleExpiry = TimeSpan.Zero }));
    }

    [Fact]
    public void MemoryPerKey_CountWindow24h_AtMost256Bytes()
    {
        // The memory target, as a test of the store's own accounting (the benchmark measures the GC heap).
        var feature = FeatureEvents.Define(0, FeatureKind.Count, 86_400_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var context = FeatureEvents.NewContext(1);
        const int Users = 200_000;
        var before = store.EstimatedBytes;
        for (var user = 0; user < Users; user++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(user, 1_000, null, null));
            store.Observe([feature], context);
        }

        var perKey = (store.EstimatedBytes - before) / (double)Users;
        Assert.True(perKey <= 256, $"{perKey:F1} bytes per key");
    }

    private static void Observe(InMemoryFeatureStore store, DecisionContext context, int user, long timestamp)
    {
        FeatureEvents.Fill(context, new FeatureEvent(user, timestamp, null, null));
        store.Observe([s_count], context);
    }
}
