using CsCheck;
using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>
/// The law: for any stream of events (random keys, values, timestamps in any order), every aggregate the store writes
/// equals a brute-force recomputation of the documented window definition over the raw events.
/// </summary>
public sealed class WindowPropertyTests
{
    private static readonly FeatureKind[] s_kinds =
        [FeatureKind.Count, FeatureKind.Sum, FeatureKind.Min, FeatureKind.Max, FeatureKind.Avg, FeatureKind.Distinct];

    /// <summary>Windows chosen to hit n = N, n &lt; N (7 ms), windows not divisible by N, and long windows.</summary>
    private static readonly long[] s_windows = [7, 1_000, 60_000, 90_001, 3_600_000];

    private static readonly Gen<FeatureEvent> s_event =
        Gen.Select(Gen.Int[0, 3], Gen.Long[0, 10_000_000], Gen.Int[-1, 999], Gen.Int[-1, 14], Gen.Int[0, 19],
            static (user, ts, amount, merchant, noUser) => new FeatureEvent(
                user,
                ts,
                amount < 0 ? null : amount / 4.0,
                merchant < 0 ? null : merchant,
                HasUser: noUser != 0));

    /// <summary>Timestamps drift forward with jitter, so windows slide, advance, empty and refill.</summary>
    private static readonly Gen<FeatureEvent[]> s_stream =
        Gen.Select(s_event.Array[1, 150], Gen.Long[1, 200_000], Gen.Long[-5_000_000, 5_000_000], static (events, step, origin) =>
        {
            for (var i = 0; i < events.Length; i++)
            {
                // Mostly forward in time, with out-of-order jitter of up to ±(jitter range / 2).
                var drift = origin + (i * step);
                events[i] = events[i] with { TimestampMs = drift + ((events[i].TimestampMs % (4 * step + 1)) - (2 * step)) };
            }

            return events;
        });

    [Fact]
    public void Observe_RandomStreams_EveryAggregateMatchesBruteForce()
    {
        Gen.Select(s_stream, Gen.Int[0, 3]).Sample((events, bucketsChoice) =>
        {
            var buckets = bucketsChoice switch { 0 => 1, 1 => 4, 2 => 32, _ => 8 };
            CheckStream(events, buckets, distinctLimit: 16);
        }, iter: 200);
    }

    [Fact]
    public void Observe_EventsFarOutOfOrder_MatchBruteForce()
    {
        // Uniformly random timestamps over 10,000 s: most events are late relative to the key's newest.
        s_event.Array[1, 200].Sample(events => CheckStream(events, 32, distinctLimit: 64), iter: 100);
    }

    [Fact]
    public void Observe_NegativeTimestamps_MatchBruteForce()
    {
        s_event.Array[1, 100].Sample(events =>
        {
            for (var i = 0; i < events.Length; i++)
            {
                events[i] = events[i] with { TimestampMs = events[i].TimestampMs - 5_000_000 };
            }

            CheckStream(events, 32, distinctLimit: 16);
        }, iter: 100);
    }

    private static void CheckStream(FeatureEvent[] events, int buckets, int distinctLimit)
    {
        var definitions = new List<FeatureDefinition>();
        foreach (var window in s_windows)
        {
            foreach (var kind in s_kinds)
            {
                definitions.Add(FeatureEvents.Define(definitions.Count, kind, window));
            }
        }

        var features = definitions.ToArray();
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { BucketsPerWindow = buckets, DistinctExactLimit = distinctLimit, MaxTrackedKeys = 1_000, Shards = 4 });
        var model = new WindowModel(buckets);
        var context = FeatureEvents.NewContext(features.Length);
        foreach (var e in events)
        {
            FeatureEvents.Fill(context, e);
            store.Observe(features, context);
            for (var f = 0; f < features.Length; f++)
            {
                var expected = model.Observe(f, features[f], e);
                Assert.Equal(expected.HasValue, context.HasFeature(f));
                if (expected is { } value)
                {
                    AssertClose(features[f], value, context.GetFeature(f), e);
                }
            }
        }

        // And the read-only view agrees with the model after the stream.
        for (var f = 0; f < features.Length; f++)
        {
            for (var user = 0; user <= 3; user++)
            {
                var expected = model.Current(f, features[f], user);
                Assert.Equal(expected.HasValue, store.TryGetValue(features[f], FeatureEvents.UserKey(user), out var actual));
                if (expected is { } value)
                {
                    AssertClose(features[f], value, actual, default);
                }
            }
        }
    }

    private static void AssertClose(FeatureDefinition feature, double expected, double actual, FeatureEvent e)
    {
        // Sums are added in a different order (per bucket, then across buckets): allow rounding, nothing more.
        var tolerance = feature.Kind is FeatureKind.Sum or FeatureKind.Avg ? 1e-9 * Math.Max(1, Math.Abs(expected)) : 0;
        if (Math.Abs(expected - actual) > tolerance)
        {
            Assert.Fail($"{feature.Name}: expected {expected}, got {actual} at event {e}");
        }
    }
}
