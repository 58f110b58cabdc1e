using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// Distinct windows. Exact mode: an open-addressing set of (value hash, newest bucket) pairs out of line, in tiers for
/// 4, 16, 64 ... values (twice as many slots: the set is at most half full), plus, in the record, a ring of how many
/// values have their newest bucket in each bucket and the live total. Past the exact limit: a sliding HyperLogLog with
/// one register row per bucket. Back to exact once the whole window has emptied.
/// </summary>
/// <remarks>
/// Why a set and a ring rather than a list to scan: a hot key (a busy IP or device) holds up to the limit of values,
/// and scanning 64 pairs to find one and again to count the live ones touched 16 cache lines per event. With the set,
/// finding a value is one probe; with the ring, the live count is kept like a count window's total: a value moving to
/// a newer bucket moves its unit in the ring, buckets leaving the window subtract theirs. Pairs whose bucket left the
/// window stay in the set until it is rebuilt (when half full), and are revived in place if their value comes back.
/// </remarks>
internal sealed partial class FeatureShard
{
    private double ObserveDistinct(Span<ulong> record, in FeatureSlot slot, long bucket, ulong valueHash)
    {
        var n = slot.Buckets;
        var mask = n - 1;
        ref var meta = ref record[slot.Hot + 1];
        ref var live = ref record[slot.Hot + 2];
        var ring = MemoryMarshal.Cast<ulong, uint>(record.Slice(slot.Ring, (n + 1) / 2));
        var head = (long)record[slot.Hot];
        if (head == long.MinValue)
        {
            head = bucket;
        }
        else if (bucket > head)
        {
            var previous = head;
            head = bucket;
            if (bucket - previous >= n)
            {
                meta = ResetDistinct(meta);
                ring.Clear();
                live = 0;
            }
            else if (DistinctMeta.IsSketch(meta))
            {
                var sketch = _sketches!.Get(DistinctMeta.Payload(meta));
                for (var b = previous + 1; b <= bucket; b++)
                {
                    SlidingHyperLogLog.ClearRow(sketch, (int)(b & mask), _layout);
                }
            }
            else
            {
                for (var b = previous + 1; b <= bucket; b++)
                {
                    ref var cleared = ref ring[(int)(b & mask)];
                    live -= cleared;
                    cleared = 0;
                }
            }
        }

        record[slot.Hot] = (ulong)head;
        if (bucket > head - n)
        {
            if (DistinctMeta.IsSketch(meta))
            {
                SlidingHyperLogLog.Add(_sketches!.Get(DistinctMeta.Payload(meta)), (int)(bucket & mask), valueHash, _layout);
            }
            else
            {
                meta = AddExact(meta, ring, ref live, head, bucket, n, valueHash);
            }
        }

        return ReadDistinct(meta, live, n);
    }

    /// <summary>
    /// Hints the CPU to fetch the exact-set slot a value will probe first, reading the window's meta without the lock
    /// (see <see cref="InMemoryFeatureStore"/>'s prefetch rounds): the set is out of line, so its miss would otherwise
    /// wait for the record's.
    /// </summary>
    public void PrefetchDistinct(RecordPart part, int id, in FeatureSlot slot, ulong valueHash)
    {
        if (!part.Records.TryPeek(id, slot.Hot + 1, out var meta) || DistinctMeta.IsSketch(meta))
        {
            return;
        }

        var payload = DistinctMeta.Payload(meta);
        var tier = DistinctMeta.Tier(meta);
        var exact = _exact;
        if (payload < 0 || (uint)tier >= (uint)exact.Length || exact[tier] is not { } slab)
        {
            return;
        }

        var slots = slab.Stride >> 1;
        slab.Prefetch(payload, 2 * ((int)(valueHash >> 40) & (slots - 1)));
    }

    /// <summary>The whole window emptied: back to exact, keeping the smallest tier's set (cleared) if that is what it has.</summary>
    private ulong ResetDistinct(ulong meta)
    {
        var payload = DistinctMeta.Payload(meta);
        if (payload >= 0 && !DistinctMeta.IsSketch(meta) && DistinctMeta.Tier(meta) == 0)
        {
            _exact[0]!.Get(payload).Clear();
            return DistinctMeta.Make(payload, 0, sketch: false, used: 0);
        }

        FreeDistinctPayload(meta);
        return DistinctMeta.Empty;
    }

    /// <summary>Adds a value in exact mode; returns the new meta (which may now be a sketch).</summary>
    private ulong AddExact(ulong meta, Span<uint> ring, ref ulong live, long head, long bucket, int n, ulong valueHash)
    {
        var mask = n - 1;
        var hash = valueHash == 0 ? 1 : valueHash; // 0 marks an empty slot
        var payload = DistinctMeta.Payload(meta);
        var tier = DistinctMeta.Tier(meta);
        var used = DistinctMeta.Used(meta);
        if (payload < 0)
        {
            payload = AllocateExact(0);
            tier = 0;
            used = 0;
        }

        var set = _exact[tier]!.Get(payload);
        ref var pair = ref Probe(set, hash);
        if (pair == hash)
        {
            ref var newest = ref Unsafe.Add(ref pair, 1);
            var old = (long)newest;
            if (old <= head - n)
            {
                // Its bucket left the window (and the ring already let go of it): the value is back.
                newest = (ulong)bucket;
                ring[(int)(bucket & mask)]++;
                live++;
            }
            else if (bucket > old)
            {
                newest = (ulong)bucket;
                ring[(int)(old & mask)]--;
                ring[(int)(bucket & mask)]++;
            }

            return DistinctMeta.Make(payload, tier, sketch: false, used);
        }

        if (used + 1 > _layout.TierCapacities[tier])
        {
            // Half full (dead pairs included): rebuild with the live pairs into the smallest tier that holds them and
            // the new value, or switch to a sketch past the exact limit.
            var needed = (int)live + 1;
            var capacities = _layout.TierCapacities;
            if (needed > capacities[^1])
            {
                var sketch = ToSketch(set, head, n);
                _exact[tier]!.Free(payload);
                SlidingHyperLogLog.Add(_sketches!.Get(sketch), (int)(bucket & mask), valueHash, _layout);
                return DistinctMeta.Make(sketch, 0, sketch: true, used: 0);
            }

            var target = 0;
            while (capacities[target] < needed)
            {
                target++;
            }

            var rebuilt = AllocateExact(target);
            var into = _exact[target]!.Get(rebuilt);
            into.Clear();
            used = 0;
            for (var i = 0; i < set.Length; i += 2)
            {
                if (set[i] != 0 && (long)set[i + 1] > head - n)
                {
                    ref var slot = ref Probe(into, set[i]);
                    slot = set[i];
                    Unsafe.Add(ref slot, 1) = set[i + 1];
                    used++;
                }
            }

            _exact[tier]!.Free(payload);
            payload = rebuilt;
            tier = target;
            set = into;
            pair = ref Probe(set, hash);
        }

        pair = hash;
        Unsafe.Add(ref pair, 1) = (ulong)bucket;
        ring[(int)(bucket & mask)]++;
        live++;
        return DistinctMeta.Make(payload, tier, sketch: false, used + 1);
    }

    /// <summary>
    /// The slot of <paramref name="hash"/> in a set (linear probing from the hash's high bits): its own pair if present,
    /// else the empty slot where it would go. The set is never more than half full, so an empty slot always exists.
    /// </summary>
    private static ref ulong Probe(Span<ulong> set, ulong hash)
    {
        var slots = set.Length >> 1;
        var at = (int)(hash >> 40) & (slots - 1);
        while (true)
        {
            ref var key = ref set[2 * at];
            if (key == hash || key == 0)
            {
                return ref key;
            }

            at = (at + 1) & (slots - 1);
        }
    }

    /// <summary>Moves the live pairs of a set into a new sketch, each to the row of its newest bucket; returns its slot.</summary>
    private int ToSketch(Span<ulong> set, long head, int n)
    {
        _sketches ??= new Slab<byte>(_layout.SketchBytes);
        var slot = _sketches.Allocate();
        var sketch = _sketches.Get(slot);
        SlidingHyperLogLog.Reset(sketch);
        for (var i = 0; i < set.Length; i += 2)
        {
            if (set[i] != 0 && (long)set[i + 1] > head - n)
            {
                // Each value goes to the row of its newest bucket: it stays counted exactly as long as it would have.
                SlidingHyperLogLog.Add(sketch, (int)((long)set[i + 1] & (n - 1)), set[i], _layout);
            }
        }

        return slot;
    }

    private double ReadDistinct(ulong meta, ulong live, int n)
        => DistinctMeta.IsSketch(meta) ? SlidingHyperLogLog.Estimate(_sketches!.Get(DistinctMeta.Payload(meta)), n, _layout) : live;

    /// <summary>Words of an exact set for a tier: two per slot, twice as many slots as the tier's values (power of two).</summary>
    private int SetWords(int tier) => 2 * (int)BitOperations.RoundUpToPowerOf2((uint)(2 * _layout.TierCapacities[tier]));

    private int AllocateExact(int tier)
    {
        var slab = _exact[tier] ??= new Slab<ulong>(SetWords(tier));
        var slot = slab.Allocate();
        slab.Get(slot).Clear();
        return slot;
    }

    private void FreeDistinctPayload(ulong meta)
    {
        var payload = DistinctMeta.Payload(meta);
        if (payload < 0)
        {
            return;
        }

        if (DistinctMeta.IsSketch(meta))
        {
            _sketches!.Free(payload);
        }
        else
        {
            _exact[DistinctMeta.Tier(meta)]!.Free(payload);
        }
    }

    /// <summary>Copies a payload of <paramref name="source"/> into this shard (compaction); returns the new meta.</summary>
    private ulong CopyDistinctPayload(FeatureShard source, ulong meta)
    {
        var payload = DistinctMeta.Payload(meta);
        if (payload < 0)
        {
            return meta;
        }

        int slot;
        if (DistinctMeta.IsSketch(meta))
        {
            _sketches ??= new Slab<byte>(_layout.SketchBytes);
            slot = _sketches.Allocate();
            source._sketches!.Get(payload).CopyTo(_sketches.Get(slot));
        }
        else
        {
            var tier = DistinctMeta.Tier(meta);
            slot = AllocateExact(tier);
            source._exact[tier]!.Get(payload).CopyTo(_exact[tier]!.Get(slot));
        }

        return DistinctMeta.Make(slot, DistinctMeta.Tier(meta), DistinctMeta.IsSketch(meta), DistinctMeta.Used(meta));
    }
}

/// <summary>
/// The word describing a distinct window's payload: slot (bits 0–31, −1 for none), exact tier (32–39), sketch flag
/// (40), occupied set slots in exact mode, dead pairs included (48–63).
/// </summary>
internal static class DistinctMeta
{
    /// <summary>No payload yet (allocated on the first value).</summary>
    public const ulong Empty = 0xFFFF_FFFFUL;

    public static int Payload(ulong meta) => (int)(uint)meta;

    public static int Tier(ulong meta) => (int)((meta >> 32) & 0xFF);

    public static bool IsSketch(ulong meta) => ((meta >> 40) & 1) != 0;

    public static int Used(ulong meta) => (int)(meta >> 48);

    public static ulong Make(int payload, int tier, bool sketch, int used)
        => (uint)payload | ((ulong)(uint)tier << 32) | (sketch ? 1UL << 40 : 0) | ((ulong)(uint)used << 48);
}
