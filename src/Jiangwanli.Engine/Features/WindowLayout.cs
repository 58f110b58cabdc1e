using System.Numerics;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The fixed shape of every window in one store, derived from <see cref="FeatureStoreOptions"/>: buckets per window,
/// exact-distinct tiers and sketch size. Immutable; shared by all shards.
/// </summary>
internal sealed class WindowLayout
{
    public WindowLayout(FeatureStoreOptions options)
    {
        Buckets = options.BucketsPerWindow;
        BucketsLog2 = BitOperations.Log2((uint)Buckets);
        Precision = options.DistinctSketchPrecision;
        Registers = 1 << Precision;

        // Exact tiers grow 4x: 4, 16, 64, ... up to the limit, so a key with one or two values holds 64 bytes, not a
        // table sized for the limit.
        var tiers = new List<int>();
        for (var capacity = 4; capacity < options.DistinctExactLimit; capacity *= 4)
        {
            tiers.Add(capacity);
        }

        tiers.Add(options.DistinctExactLimit);
        TierCapacities = [.. tiers];
        SketchBytes = SlidingHyperLogLog.BlockBytes(Buckets, Registers);
    }

    /// <summary>Bytes of one sliding HyperLogLog block (see <see cref="SlidingHyperLogLog"/>).</summary>
    public int SketchBytes { get; }

    /// <summary>Buckets per window (N), a power of two.</summary>
    public int Buckets { get; }

    /// <summary>log2 of <see cref="Buckets"/>.</summary>
    public int BucketsLog2 { get; }

    /// <summary>HyperLogLog precision p.</summary>
    public int Precision { get; }

    /// <summary>HyperLogLog registers per bucket row, 2^p.</summary>
    public int Registers { get; }

    /// <summary>Value capacity of each exact-distinct tier; the last one is the exact limit.</summary>
    public int[] TierCapacities { get; }

    /// <summary>
    /// The bucket count n and width g (ms) for a window of <paramref name="windowMs"/>: n = N and g = ⌊W / N⌋ when
    /// W ≥ N, else n = the largest power of two ≤ W and g = ⌊W / n⌋. Always n·g ≤ W.
    /// </summary>
    public void Geometry(long windowMs, out int buckets, out long bucketMs)
    {
        var w = Math.Max(1, windowMs);
        if (w >= Buckets)
        {
            buckets = Buckets;
            bucketMs = w >> BucketsLog2;
        }
        else
        {
            var log2 = BitOperations.Log2((ulong)w);
            buckets = 1 << log2;
            bucketMs = w >> log2;
        }
    }

    /// <summary>⌊t / g⌋, also for negative t.</summary>
    public static long BucketOf(long timestampMs, long bucketMs)
        => timestampMs >= 0 ? timestampMs / bucketMs : ((timestampMs + 1) / bucketMs) - 1;
}
