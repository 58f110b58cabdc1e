using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>
/// HyperLogLog over a sliding window of buckets: one row of 2^p one-byte registers per window bucket (a ring, cleared
/// as the window advances). A register's value for the window is the maximum over the live rows, so the estimate is
/// exactly the HyperLogLog of the values seen in the window — no decay, no approximation of the window itself.
/// </summary>
/// <remarks>
/// <para>Equivalent to the "max timestamp per register and rank" formulation of Sliding HyperLogLog (Chabchoub and
/// Hébrail) at the window's bucket granularity, which is the only time granularity our windows have. Relative standard
/// error ≈ 1.04/√m (m = 2^p); below 2.5·m the linear-counting correction applies and is more accurate.</para>
/// <para>Block layout (N = buckets per window, m = registers):
/// <code>
///  0                    N·m           N·m+m        N·m+m+16  N·m+m+20  N·m+m+24   N·m+m+32
///  +--------------------+-------------+------------+---------+---------+----------+
///  | rows: N × m ranks  | merged (m)  | Σ 2^(64−r) | zeros   | valid   | estimate |
///  +--------------------+-------------+------------+---------+---------+----------+
/// </code>
/// "merged" is the per-register maximum over the live rows, with its harmonic sum in 2^-64 fixed point (exact, so
/// the estimate does not depend on the order values arrived in) and its count of zero registers. While valid, an
/// addition updates them in O(1); clearing a row (the window advanced) marks them stale and the next read re-merges the
/// rows — at most once per bucket per key. The estimate itself (a 128-bit to double conversion, a division, often a
/// logarithm) is kept too, NaN once a register rose, so a read of an unchanged sketch is one load.</para>
/// </remarks>
internal static class SlidingHyperLogLog
{
    private const int SummaryBytes = 32;

    /// <summary>Bytes of one block.</summary>
    public static int BlockBytes(int buckets, int registers) => (buckets * registers) + registers + SummaryBytes;

    /// <summary>Empties a block.</summary>
    public static void Reset(Span<byte> block) => block.Clear();

    /// <summary>Adds a value hash to the row of a bucket.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(Span<byte> block, int row, ulong hash, WindowLayout layout)
    {
        var precision = layout.Precision;
        var m = layout.Registers;
        var register = (int)(hash >> (64 - precision));
        var rank = (byte)(BitOperations.LeadingZeroCount((hash << precision) | (1UL << (precision - 1))) + 1);
        ref var slot = ref block[(row * m) + register];
        if (rank <= slot)
        {
            return;
        }

        slot = rank;
        var summary = block[(layout.Buckets * m)..];
        ref var merged = ref summary[register];
        if (rank > merged && MemoryMarshal.Read<int>(summary[(m + 20)..]) != 0)
        {
            var sum = MemoryMarshal.Read<UInt128>(summary[m..]) - Term(merged) + Term(rank);
            MemoryMarshal.Write(summary[m..], sum);
            if (merged == 0)
            {
                MemoryMarshal.Write(summary[(m + 16)..], MemoryMarshal.Read<int>(summary[(m + 16)..]) - 1);
            }

            merged = rank;
            MemoryMarshal.Write(summary[(m + 24)..], double.NaN);
        }
    }

    /// <summary>Empties the row of a bucket that left the window; the merged registers become stale.</summary>
    public static void ClearRow(Span<byte> block, int row, WindowLayout layout)
    {
        var m = layout.Registers;
        block.Slice(row * m, m).Clear();
        MemoryMarshal.Write(block[((layout.Buckets * m) + m + 20)..], 0);
    }

    /// <summary>Estimates the distinct count over the first <paramref name="rows"/> rows.</summary>
    public static double Estimate(Span<byte> block, int rows, WindowLayout layout)
    {
        var m = layout.Registers;
        var summary = block[(layout.Buckets * m)..];
        if (MemoryMarshal.Read<int>(summary[(m + 20)..]) == 0)
        {
            Merge(block, rows, layout);
        }
        else if (MemoryMarshal.Read<double>(summary[(m + 24)..]) is var cached && !double.IsNaN(cached))
        {
            return cached;
        }

        var sum = Math.ScaleB((double)MemoryMarshal.Read<UInt128>(summary[m..]), -64);
        var zeros = MemoryMarshal.Read<int>(summary[(m + 16)..]);
        double registers = m;
        var estimate = Alpha(m) * registers * registers / sum;
        if (estimate <= 2.5 * registers && zeros > 0)
        {
            estimate = registers * Math.Log(registers / zeros);
        }

        estimate = Math.Round(estimate);
        MemoryMarshal.Write(summary[(m + 24)..], estimate);
        return estimate;
    }

    private static void Merge(Span<byte> block, int rows, WindowLayout layout)
    {
        var m = layout.Registers;
        var summary = block[(layout.Buckets * m)..];
        var merged = summary[..m];
        block[..m].CopyTo(merged);
        for (var r = 1; r < rows; r++)
        {
            WindowMath.MaxInto(merged, block.Slice(r * m, m));
        }

        UInt128 sum = 0;
        var zeros = 0;
        foreach (var rank in merged)
        {
            sum += Term(rank);
            if (rank == 0)
            {
                zeros++;
            }
        }

        MemoryMarshal.Write(summary[m..], sum);
        MemoryMarshal.Write(summary[(m + 16)..], zeros);
        MemoryMarshal.Write(summary[(m + 20)..], 1);
    }

    /// <summary>2^-rank in 2^-64 fixed point. Ranks are at most 64 − p + 1 ≤ 61, so the shift is in range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 Term(byte rank) => UInt128.One << (64 - rank);

    private static double Alpha(int m) => m switch
    {
        16 => 0.673,
        32 => 0.697,
        64 => 0.709,
        _ => 0.7213 / (1 + (1.079 / m)),
    };
}
