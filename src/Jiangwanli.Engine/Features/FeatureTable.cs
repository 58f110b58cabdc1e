using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// The record shape shared by all entities of one field under one feature layout: which windows an entity record
/// holds and where each lives in the record's words. One table per (entity field, ordered feature states); packs
/// that group the same features by the same field share it, so their windows are the same memory.
/// </summary>
/// <remarks>
/// A record is a run of 64-bit words in a slab (see <see cref="RecordPart"/>):
/// <code>
/// [0] entity key   [1] expires at (high 32; low 32 unused)   [2] flags
/// [3 ..]  hot words, per slot: Head, then the running aggregate(s) — read on every event, so they share lines
/// [.. ]   rings, per slot: the bucket values (count: uint[n] packed two a word; sum/min/max: double[n];
///         avg: double[n] sums then double[n] counts; distinct: uint[n] of values whose newest bucket is b — the
///         values themselves live out of line, see FeatureShard.Distinct)
/// </code>
/// Why one record per entity rather than one key per feature: a decision on the default pack touches 9 windows of 4
/// entities. As separate keys that is 9 dependent hash lookups, 9 lock round trips and 9 payload misses; as records
/// it is 4 walks and 4 locks, and the windows of one entity are loads the CPU can issue in parallel.
/// </remarks>
internal sealed class FeatureTable
{
    /// <summary>Words before the first slot: entity, expiry, flags.</summary>
    public const int HeaderWords = 3;

    public FeatureTable(int id, SchemaField by, ReadOnlySpan<FeatureDefinition> features, WindowLayout layout, uint fixedExpirySeconds)
    {
        Id = id;
        By = by.Name;
        var slots = new FeatureSlot[features.Length];
        var hot = HeaderWords;
        foreach (var feature in features)
        {
            hot += HotWords(feature.Kind);
        }

        var ring = hot;
        hot = HeaderWords;
        long longestMs = 1;
        for (var i = 0; i < features.Length; i++)
        {
            var feature = features[i];
            layout.Geometry(feature.WindowMs, out var buckets, out var bucketMs);
            slots[i] = new FeatureSlot(feature.StateId, feature.Kind, buckets, bucketMs, hot, ring);
            hot += HotWords(feature.Kind);
            ring += RingWords(feature.Kind, buckets);
            longestMs = Math.Max(longestMs, Math.Max(1, feature.WindowMs) + bucketMs);
        }

        Slots = slots;
        RecordWords = ring;
        HotLines = Math.Min(4, ((hot * sizeof(ulong)) + 63) / 64);
        ExpirySeconds = fixedExpirySeconds != 0
            ? fixedExpirySeconds
            : (uint)Math.Min(int.MaxValue, ((ulong)longestMs >> 10) + ((ulong)longestMs >> 15) + 1); // ≥ ms / 1000, no division
    }

    /// <summary>Index of this table's part in every shard.</summary>
    public int Id { get; }

    /// <summary>The entity field's name.</summary>
    public string By { get; }

    /// <summary>The windows of a record, in the order of the features that made the table.</summary>
    public FeatureSlot[] Slots { get; }

    /// <summary>Cache lines holding the header and hot words (what a lookup and every window update read first).</summary>
    public int HotLines { get; }

    /// <summary>Words per record.</summary>
    public int RecordWords { get; }

    /// <summary>Seconds a record may stay unobserved before it may be dropped: its longest window plus a bucket.</summary>
    public uint ExpirySeconds { get; }

    /// <summary>True when this table holds exactly these feature states, in this order, for this field.</summary>
    public bool Matches(string by, ReadOnlySpan<FeatureDefinition> features)
    {
        if (by != By || features.Length != Slots.Length)
        {
            return false;
        }

        for (var i = 0; i < features.Length; i++)
        {
            if (features[i].StateId != Slots[i].StateId)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The slot holding a feature state, or −1.</summary>
    public int SlotOf(ulong stateId)
    {
        for (var i = 0; i < Slots.Length; i++)
        {
            if (Slots[i].StateId == stateId)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Hot words of a window: Head and the running aggregate (avg: sum and count; distinct: meta and live count).</summary>
    public static int HotWords(FeatureKind kind) => kind is FeatureKind.Avg or FeatureKind.Distinct ? 3 : 2;

    /// <summary>Ring words of a window of <paramref name="buckets"/> buckets.</summary>
    public static int RingWords(FeatureKind kind, int buckets) => kind switch
    {
        FeatureKind.Count or FeatureKind.Distinct => (buckets + 1) / 2, // uint per bucket
        FeatureKind.Avg => 2 * buckets,
        _ => buckets,
    };
}

/// <summary>One window inside a record: its state identity, aggregate, geometry and word offsets.</summary>
/// <param name="StateId">The feature state (<see cref="FeatureDefinition.StateId"/>).</param>
/// <param name="Kind">The aggregate.</param>
/// <param name="Buckets">Buckets n in this window.</param>
/// <param name="BucketMs">Bucket width g in ms.</param>
/// <param name="Hot">Word of the slot's Head; its running aggregate follows.</param>
/// <param name="Ring">First word of the slot's bucket ring.</param>
internal readonly record struct FeatureSlot(ulong StateId, FeatureKind Kind, int Buckets, long BucketMs, int Hot, int Ring)
{
    /// <summary>The record word an event in <paramref name="bucket"/> updates in this slot's ring (for prefetching).</summary>
    public int RingWord(long bucket)
    {
        var at = (int)(bucket & (Buckets - 1));
        return Ring + (Kind is FeatureKind.Count or FeatureKind.Distinct ? at >> 1 : at);
    }
}
