namespace Jiangwanli.Engine.Features;

/// <summary>Count, sum, min, max and avg windows: bucket rings advanced to the key's newest bucket.</summary>
internal sealed partial class WindowShard
{
    private static double Identity(FeatureKind kind) => kind switch
    {
        FeatureKind.Min => double.PositiveInfinity,
        FeatureKind.Max => double.NegativeInfinity,
        _ => 0,
    };

    private double ObserveCount(ref WindowEntry e, long bucket, int n)
    {
        // block[0] is the running total; block[1 + slot] the bucket counts.
        var block = _counts!.Get(e.Payload);
        var mask = n - 1;
        if (bucket > e.Head)
        {
            if (bucket - e.Head >= n)
            {
                block[..(n + 1)].Clear();
            }
            else
            {
                for (var b = e.Head + 1; b <= bucket; b++)
                {
                    ref var cleared = ref block[1 + (int)(b & mask)];
                    block[0] -= cleared;
                    cleared = 0;
                }
            }

            e.Head = bucket;
        }

        if (bucket > e.Head - n)
        {
            block[1 + (int)(bucket & mask)]++;
            block[0]++;
        }

        return block[0];
    }

    private double ObserveValue(ref WindowEntry e, FeatureKind kind, long bucket, int n, double input)
    {
        var ring = _values!.Get(e.Payload)[..n];
        Advance(ring, ref e.Head, bucket, Identity(kind));
        if (bucket > e.Head - n)
        {
            ref var slot = ref ring[(int)(bucket & (n - 1))];
            slot = kind switch
            {
                FeatureKind.Sum => slot + input,
                FeatureKind.Min => Math.Min(slot, input),
                _ => Math.Max(slot, input),
            };
        }

        return ReadValue(ring, kind);
    }

    private static double ReadValue(ReadOnlySpan<double> ring, FeatureKind kind) => kind switch
    {
        FeatureKind.Sum => WindowMath.Sum(ring),
        FeatureKind.Min => WindowMath.Min(ring),
        _ => WindowMath.Max(ring),
    };

    private double ObserveAverage(ref WindowEntry e, long bucket, int n, double input)
    {
        var block = _averages!.Get(e.Payload);
        var sums = block[..n];
        var counts = block.Slice(_layout.Buckets, n);
        var head = e.Head;
        Advance(sums, ref head, bucket, 0);
        Advance(counts, ref e.Head, bucket, 0);
        if (bucket > e.Head - n)
        {
            var slot = (int)(bucket & (n - 1));
            sums[slot] += input;
            counts[slot] += 1;
        }

        return ReadAverage(block, n);
    }

    private double ReadAverage(ReadOnlySpan<double> block, int n)
    {
        var count = WindowMath.Sum(block.Slice(_layout.Buckets, n));
        return count > 0 ? WindowMath.Sum(block[..n]) / count : 0;
    }

    /// <summary>Moves a ring's head to <paramref name="bucket"/>, resetting the buckets that fall out of the window.</summary>
    private static void Advance(Span<double> ring, ref long head, long bucket, double identity)
    {
        if (bucket <= head)
        {
            return;
        }

        var n = ring.Length;
        if (bucket - head >= n)
        {
            ring.Fill(identity);
        }
        else
        {
            for (var b = head + 1; b <= bucket; b++)
            {
                ring[(int)(b & (n - 1))] = identity;
            }
        }

        head = bucket;
    }
}
