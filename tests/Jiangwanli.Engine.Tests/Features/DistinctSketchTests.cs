using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>Distinct counts past the exact limit: sliding HyperLogLog within its documented error.</summary>
public sealed class DistinctSketchTests
{
    private const int Precision = 7;

    /// <summary>1.04/√m, the HyperLogLog relative standard error (docs/features.md).</summary>
    private static readonly double s_standardError = 1.04 / Math.Sqrt(1 << Precision);

    [Theory]
    [InlineData(100)]
    [InlineData(1_000)]
    [InlineData(5_000)]
    public void Observe_ManyDistinctValues_EstimateWithinStandardError(int cardinality)
    {
        var feature = FeatureEvents.Define(0, FeatureKind.Distinct, 3_600_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { DistinctSketchPrecision = Precision, DistinctExactLimit = 64 });
        var context = FeatureEvents.NewContext(1);
        var random = new Random(cardinality);
        const int Keys = 24;
        var errors = new List<double>();
        for (var user = 0; user < Keys; user++)
        {
            var values = Enumerable.Range(0, cardinality).Select(_ => random.Next()).ToArray();
            foreach (var value in values)
            {
                // Every value twice, within the window: duplicates must not count.
                FeatureEvents.Fill(context, new FeatureEvent(user, 1_000_000 + random.Next(1_000_000), null, value));
                store.Observe([feature], context);
                FeatureEvents.Fill(context, new FeatureEvent(user, 1_000_000 + random.Next(1_000_000), null, value));
                store.Observe([feature], context);
            }

            var truth = values.Distinct().Count();
            Assert.True(store.TryGetValue(feature, FeatureEvents.UserKey(user), out var estimate));
            errors.Add((estimate - truth) / truth);
        }

        var rms = Math.Sqrt(errors.Average(e => e * e));
        Assert.True(rms <= 1.25 * s_standardError, $"RMS relative error {rms:P2} > 1.25 × {s_standardError:P2}");
        Assert.True(errors.Max(Math.Abs) <= 4 * s_standardError, $"worst relative error {errors.Max(Math.Abs):P2} > 4σ");
    }

    [Fact]
    public void Estimate_AfterAnyAddsAndClears_EqualsAFreshMergeOfTheRows()
    {
        // The block keeps the merged registers, their sum and the estimate itself between reads; whatever sequence of
        // additions and row clears came before, a read must equal the estimate of a block built from the rows alone.
        var layout = new WindowLayout(new FeatureStoreOptions { DistinctSketchPrecision = Precision });
        var rows = layout.Buckets * layout.Registers;
        var block = new byte[layout.SketchBytes];
        var random = new Random(7);
        var checks = 0;
        for (var step = 0; step < 20_000; step++)
        {
            switch (random.Next(10))
            {
                case 0:
                    SlidingHyperLogLog.ClearRow(block, random.Next(layout.Buckets), layout);
                    break;
                case < 4:
                    var fresh = new byte[block.Length];
                    block.AsSpan(0, rows).CopyTo(fresh);
                    Assert.Equal(SlidingHyperLogLog.Estimate(fresh, layout.Buckets, layout), SlidingHyperLogLog.Estimate(block, layout.Buckets, layout));
                    checks++;
                    break;
                default:
                    SlidingHyperLogLog.Add(block, random.Next(layout.Buckets), (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63), layout);
                    break;
            }
        }

        Assert.True(checks > 1_000);
    }

    [Fact]
    public void Observe_SketchWindowSlides_OldValuesLeaveTheEstimate()
    {
        // 1 h window, 32 buckets of 112.5 s. Phase 1: 2,000 values; phase 2 (> 1 h later): 500 new values.
        var feature = FeatureEvents.Define(0, FeatureKind.Distinct, 3_600_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { DistinctSketchPrecision = Precision });
        var context = FeatureEvents.NewContext(1);
        for (var v = 0; v < 2_000; v++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 10_000_000 + v, null, v));
            store.Observe([feature], context);
        }

        Assert.InRange(context.GetFeature(0), 2_000 * (1 - (4 * s_standardError)), 2_000 * (1 + (4 * s_standardError)));

        // Half a window later the old values still count, together with 500 new ones.
        for (var v = 0; v < 500; v++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 10_000_000 + 1_800_000 + v, null, 100_000 + v));
            store.Observe([feature], context);
        }

        Assert.InRange(context.GetFeature(0), 2_500 * (1 - (4 * s_standardError)), 2_500 * (1 + (4 * s_standardError)));

        // Past the first phase's window only the 500 new values are in the window.
        for (var v = 0; v < 500; v++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 10_000_000 + 3_700_000 + v, null, 100_000 + v));
            store.Observe([feature], context);
        }

        Assert.InRange(context.GetFeature(0), 500 * (1 - (4 * s_standardError)), 500 * (1 + (4 * s_standardError)));
    }

    [Fact]
    public void Observe_WindowEmptiesAfterSketch_BackToExactCounts()
    {
        var feature = FeatureEvents.Define(0, FeatureKind.Distinct, 60_000);
        var store = new InMemoryFeatureStore(new FeatureStoreOptions { DistinctExactLimit = 16 });
        var context = FeatureEvents.NewContext(1);
        for (var v = 0; v < 1_000; v++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 0, null, v));
            store.Observe([feature], context);
        }

        // A whole window later: exact again, so small counts are exact.
        for (var v = 0; v < 3; v++)
        {
            FeatureEvents.Fill(context, new FeatureEvent(1, 120_000, null, v));
            store.Observe([feature], context);
            Assert.Equal(v + 1, context.GetFeature(0));
        }
    }
}
