using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// Count, sum, min, max and avg windows inside a record: a Head word (the newest bucket seen; <see cref="long.MinValue"/>
/// until the window's first event), a running aggregate, and a ring of bucket values.
/// </summary>
/// <remarks>
/// The running aggregate is what a decision reads, so an event touches the hot words and one ring slot, not the whole
/// ring. Counts keep it exact by subtracting the buckets that leave the window. Sums, minima and maxima cannot
/// subtract exactly, so when the head moves (once per bucket width per key) the aggregate is refolded from the ring
/// and then updated per event: sums carry at most the rounding of one bucket width's additions, extremes are exact.
/// </remarks>
internal sealed partial class FeatureShard
{
    private static double Identity(FeatureKind kind) => kind switch
    {
        FeatureKind.Min => double.PositiveInfinity,
        FeatureKind.Max => double.NegativeInfinity,
        _ => 0,
    };

    /// <summary>Puts a slot in its "no event yet" state.</summary>
    private static void InitializeSlot(Span<ulong> record, in FeatureSlot slot)
    {
        record[slot.Hot] = unchecked((ulong)long.MinValue);
        switch (slot.Kind)
        {
            case FeatureKind.Min or FeatureKind.Max:
                var identity = Identity(slot.Kind);
                record[slot.Hot + 1] = BitConverter.DoubleToUInt64Bits(identity);
                MemoryMarshal.Cast<ulong, double>(record.Slice(slot.Ring, slot.Buckets)).Fill(identity);
                break;
            case FeatureKind.Distinct:
                // Never frees: a fresh record's words are zero, and a moved-out window's payload has a new owner.
                record[slot.Hot + 1] = DistinctMeta.Empty;
                record[slot.Hot + 2] = 0;
                record.Slice(slot.Ring, (slot.Buckets + 1) / 2).Clear();
                break;
            case FeatureKind.Count:
                record[slot.Hot + 1] = 0;
                record.Slice(slot.Ring, (slot.Buckets + 1) / 2).Clear();
                break;
            case FeatureKind.Avg:
                record.Slice(slot.Hot + 1, 2).Clear();
                record.Slice(slot.Ring, 2 * slot.Buckets).Clear();
                break;
            default:
                record[slot.Hot + 1] = 0;
                record.Slice(slot.Ring, slot.Buckets).Clear();
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ObserveCount(Span<ulong> record, in FeatureSlot slot, long bucket)
    {
        var n = slot.Buckets;
        var mask = n - 1;
        var head = (long)record[slot.Hot];
        ref var total = ref record[slot.Hot + 1];
        if (head == long.MinValue)
        {
            head = bucket;
            record[slot.Hot] = (ulong)bucket;
        }
        else if (bucket > head)
        {
            var ring = MemoryMarshal.Cast<ulong, uint>(record.Slice(slot.Ring, (n + 1) / 2));
            if (bucket - head >= n)
            {
                ring.Clear();
                total = 0;
            }
            else
            {
                for (var b = head + 1; b <= bucket; b++)
                {
                    ref var cleared = ref ring[(int)(b & mask)];
                    total -= cleared;
                    cleared = 0;
                }
            }

            head = bucket;
            record[slot.Hot] = (ulong)bucket;
        }

        if (bucket > head - n)
        {
            // The one ring word this event lands in: no span over the whole ring on the common path.
            ref var word = ref record[slot.Ring + (int)((bucket & mask) >> 1)];
            word += 1UL << (int)((bucket & 1) << 5);
            total++;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double ObserveValue(Span<ulong> record, in FeatureSlot slot, long bucket, double input)
    {
        var n = slot.Buckets;
        var kind = slot.Kind;
        var head = (long)record[slot.Hot];
        var total = BitConverter.UInt64BitsToDouble(record[slot.Hot + 1]);
        var ring = MemoryMarshal.Cast<ulong, double>(record.Slice(slot.Ring, n));
        if (head == long.MinValue)
        {
            head = bucket;
            record[slot.Hot] = (ulong)bucket;
        }
        else if (bucket > head)
        {
            total = AdvanceValue(ring, head, bucket, kind, total);
            head = bucket;
            record[slot.Hot] = (ulong)bucket;
        }

        if (bucket > head - n)
        {
            ref var value = ref ring[(int)(bucket & (n - 1))];
            switch (kind)
            {
                case FeatureKind.Sum:
                    value += input;
                    total += input;
                    break;
                case FeatureKind.Min:
                    value = Math.Min(value, input);
                    total = Math.Min(total, input);
                    break;
                default:
                    value = Math.Max(value, input);
                    total = Math.Max(total, input);
                    break;
            }
        }

        record[slot.Hot + 1] = BitConverter.DoubleToUInt64Bits(total);
        return total;
    }

    /// <summary>
    /// Slides a sum/min/max ring to <paramref name="bucket"/> and returns the new running aggregate, reading no more of
    /// the ring than it must: a jump past the whole window empties it (no fold); an extreme survives the buckets that
    /// leave unless one of them held it (only then a fold); a sum is refolded (subtracting would drift).
    /// </summary>
    private static double AdvanceValue(Span<double> ring, long head, long bucket, FeatureKind kind, double total)
    {
        var n = ring.Length;
        var identity = Identity(kind);
        if (bucket - head >= n)
        {
            ring.Fill(identity);
            return identity;
        }

        var lost = false;
        for (var b = head + 1; b <= bucket; b++)
        {
            ref var cleared = ref ring[(int)(b & (n - 1))];
            lost |= cleared == total;
            cleared = identity;
        }

        return kind == FeatureKind.Sum || lost ? Fold(ring, kind) : total;
    }

    private static double Fold(ReadOnlySpan<double> ring, FeatureKind kind) => kind switch
    {
        FeatureKind.Sum => WindowMath.Sum(ring),
        FeatureKind.Min => WindowMath.Min(ring),
        _ => WindowMath.Max(ring),
    };

    private static double ObserveAverage(Span<ulong> record, in FeatureSlot slot, long bucket, double input)
    {
        var n = slot.Buckets;
        var head = (long)record[slot.Hot];
        var sum = BitConverter.UInt64BitsToDouble(record[slot.Hot + 1]);
        var count = BitConverter.UInt64BitsToDouble(record[slot.Hot + 2]);
        var block = MemoryMarshal.Cast<ulong, double>(record.Slice(slot.Ring, 2 * n));
        var sums = block[..n];
        var counts = block[n..];
        if (head == long.MinValue)
        {
            head = bucket;
        }
        else if (bucket > head)
        {
            Advance(sums, head, bucket, 0);
            Advance(counts, head, bucket, 0);
            var emptied = bucket - head >= n;
            head = bucket;
            sum = emptied ? 0 : WindowMath.Sum(sums);
            count = emptied ? 0 : WindowMath.Sum(counts);
        }

        if (bucket > head - n)
        {
            var at = (int)(bucket & (n - 1));
            sums[at] += input;
            counts[at] += 1;
            sum += input;
            count += 1;
        }

        record[slot.Hot] = (ulong)head;
        record[slot.Hot + 1] = BitConverter.DoubleToUInt64Bits(sum);
        record[slot.Hot + 2] = BitConverter.DoubleToUInt64Bits(count);
        return count > 0 ? sum / count : 0;
    }

    /// <summary>Resets the buckets that fall out of the window when the head moves to <paramref name="bucket"/>.</summary>
    private static void Advance(Span<double> ring, long head, long bucket, double identity)
    {
        var n = ring.Length;
        if (bucket - head >= n)
        {
            ring.Fill(identity);
            return;
        }

        for (var b = head + 1; b <= bucket; b++)
        {
            ring[(int)(b & (n - 1))] = identity;
        }
    }

    /// <summary>A window's current aggregate (the window of its newest event); false before its first event.</summary>
    private bool TryRead(ReadOnlySpan<ulong> record, in FeatureSlot slot, out double value)
    {
        var head = (long)record[slot.Hot];
        if (head == long.MinValue)
        {
            value = 0;
            return false;
        }

        var aggregate = record[slot.Hot + 1];
        value = slot.Kind switch
        {
            FeatureKind.Count => aggregate,
            FeatureKind.Avg when BitConverter.UInt64BitsToDouble(record[slot.Hot + 2]) is var count and > 0
                => BitConverter.UInt64BitsToDouble(aggregate) / count,
            FeatureKind.Avg => 0,
            FeatureKind.Distinct => ReadDistinct(aggregate, record[slot.Hot + 2], slot.Buckets),
            _ => BitConverter.UInt64BitsToDouble(aggregate),
        };
        return true;
    }
}
