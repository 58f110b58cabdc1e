namespace Jiangwanli.Engine.Features;

/// <summary>
/// Distinct windows: (value hash, newest bucket) pairs in exact tiers of 4, 16, 64 ... values; past the exact limit, a
/// sliding HyperLogLog with one register row per bucket. Back to exact once the whole window has emptied.
/// </summary>
internal sealed partial class WindowShard
{
    private double ObserveDistinct(ref WindowEntry e, long bucket, int n, ulong valueHash)
    {
        if (bucket > e.Head)
        {
            var previous = e.Head;
            e.Head = bucket;
            if (bucket - previous >= n)
            {
                ResetDistinct(ref e);
            }
            else if ((e.Flags & WindowEntry.Sketch) != 0)
            {
                var sketch = _sketches!.Get(e.Payload);
                for (var b = previous + 1; b <= bucket; b++)
                {
                    SlidingHyperLogLog.ClearRow(sketch, (int)(b & (n - 1)), _layout);
                }
            }
        }

        if (bucket > e.Head - n)
        {
            AddDistinct(ref e, bucket, n, valueHash);
        }

        return ReadDistinct(ref e, n);
    }

    /// <summary>The whole window emptied: back to the smallest exact tier.</summary>
    private void ResetDistinct(ref WindowEntry e)
    {
        if ((e.Flags & WindowEntry.Sketch) != 0 || e.Tier != 0)
        {
            FreePayload(ref e);
            e.Flags &= unchecked((byte)~WindowEntry.Sketch);
            e.Tier = 0;
            e.Payload = AllocateExact(0);
        }

        e.Used = 0;
    }

    private void AddDistinct(ref WindowEntry e, long bucket, int n, ulong hash)
    {
        if ((e.Flags & WindowEntry.Sketch) != 0)
        {
            SlidingHyperLogLog.Add(_sketches!.Get(e.Payload), (int)(bucket & (n - 1)), hash, _layout);
            return;
        }

        var tier = e.Tier;
        var block = _exact[tier]!.Get(e.Payload);
        int used = e.Used;
        for (var i = 0; i < used; i++)
        {
            if (block[2 * i] == hash)
            {
                if ((long)block[(2 * i) + 1] < bucket)
                {
                    block[(2 * i) + 1] = (ulong)bucket;
                }

                return;
            }
        }

        var capacity = _layout.TierCapacities[tier];
        if (used == capacity)
        {
            used = PurgeExact(block, used, e.Head - n);
            e.Used = (ushort)used;
            if (used == capacity)
            {
                if (tier + 1 == _layout.TierCapacities.Length)
                {
                    ToSketch(ref e, n);
                    SlidingHyperLogLog.Add(_sketches!.Get(e.Payload), (int)(bucket & (n - 1)), hash, _layout);
                    return;
                }

                GrowExact(ref e);
                block = _exact[e.Tier]!.Get(e.Payload);
            }
        }

        block[2 * used] = hash;
        block[(2 * used) + 1] = (ulong)bucket;
        e.Used = (ushort)(used + 1);
    }

    /// <summary>Keeps the pairs whose bucket is after <paramref name="floor"/>; returns how many.</summary>
    private static int PurgeExact(Span<ulong> block, int used, long floor)
    {
        var kept = 0;
        for (var i = 0; i < used; i++)
        {
            if ((long)block[(2 * i) + 1] > floor)
            {
                block[2 * kept] = block[2 * i];
                block[(2 * kept) + 1] = block[(2 * i) + 1];
                kept++;
            }
        }

        return kept;
    }

    private void GrowExact(ref WindowEntry e)
    {
        var tier = e.Tier;
        var slot = AllocateExact(tier + 1);
        _exact[tier]!.Get(e.Payload)[..(2 * e.Used)].CopyTo(_exact[tier + 1]!.Get(slot));
        _exact[tier]!.Free(e.Payload);
        e.Payload = slot;
        e.Tier = tier + 1;
    }

    private void ToSketch(ref WindowEntry e, int n)
    {
        _sketches ??= new Slab<byte>(_layout.SketchBytes);
        var slot = _sketches.Allocate();
        var sketch = _sketches.Get(slot);
        SlidingHyperLogLog.Reset(sketch);
        var block = _exact[e.Tier]!.Get(e.Payload);
        for (var i = 0; i < e.Used; i++)
        {
            // Each value goes to the row of its newest bucket: it stays counted exactly as long as it would have.
            SlidingHyperLogLog.Add(sketch, (int)((long)block[(2 * i) + 1] & (n - 1)), block[2 * i], _layout);
        }

        _exact[e.Tier]!.Free(e.Payload);
        e.Payload = slot;
        e.Tier = 0;
        e.Used = 0;
        e.Flags |= WindowEntry.Sketch;
    }

    private double ReadDistinct(ref WindowEntry e, int n)
    {
        if ((e.Flags & WindowEntry.Sketch) != 0)
        {
            return SlidingHyperLogLog.Estimate(_sketches!.Get(e.Payload), n, _layout);
        }

        var block = _exact[e.Tier]!.Get(e.Payload);
        var floor = e.Head - n;
        var live = 0;
        for (var i = 0; i < e.Used; i++)
        {
            if ((long)block[(2 * i) + 1] > floor)
            {
                live++;
            }
        }

        return live;
    }
}
