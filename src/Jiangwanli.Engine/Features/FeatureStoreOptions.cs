namespace Jiangwanli.Engine.Features;

/// <summary>Settings of an <see cref="InMemoryFeatureStore"/>.</summary>
public sealed class FeatureStoreOptions
{
    /// <summary>
    /// Most (feature, entity) windows held at once. An entity's windows are one record (all features a pack keys by that
    /// entity's field), so past the cap the least recently used record is evicted whole (sharded CLOCK).
    /// Default 2,000,000.
    /// </summary>
    public int MaxTrackedKeys { get; init; } = 2_000_000;

    /// <summary>
    /// How long a key may go unobserved (wall-clock time, from the store's <see cref="TimeProvider"/>) before it may be
    /// dropped. Null (default): the longest window of the record (all windows of one entity) plus one bucket, after
    /// which it holds nothing that live traffic could still count.
    /// </summary>
    public TimeSpan? IdleExpiry { get; init; }

    /// <summary>
    /// Buckets a window is split into; a power of two from 1 to 1024. The window's granularity is
    /// window / buckets. Default 32 (45 min for 24 h, 112.5 s for 1 h, 1.875 s for 1 min).
    /// </summary>
    public int BucketsPerWindow { get; init; } = 32;

    /// <summary>
    /// Distinct values per key counted exactly (within one window) before the key switches to a sliding HyperLogLog
    /// sketch. From 4 to 1024; default 64.
    /// </summary>
    public int DistinctExactLimit { get; init; } = 64;

    /// <summary>
    /// HyperLogLog precision p (2^p registers per window bucket), from 4 to 12. Default 7: 128 registers, standard
    /// error 1.04/√128 ≈ 9.2 %, 4 KiB per sketched key at 32 buckets.
    /// </summary>
    public int DistinctSketchPrecision { get; init; } = 7;

    /// <summary>
    /// Lock stripes (shards); a power of two. Null (default): 8 × processors, at least 16, at most 4096, and never more
    /// than <see cref="MaxTrackedKeys"/>.
    /// </summary>
    public int? Shards { get; init; }
}
