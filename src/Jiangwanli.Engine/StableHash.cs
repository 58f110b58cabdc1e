using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Jiangwanli.Engine;

/// <summary>
/// A stable, seedless 64-bit hash (xxHash64 algorithm) for entity keys and distinct-count values.
/// </summary>
/// <remarks>
/// Why not <see cref="HashCode"/> or string.GetHashCode: they are randomized per process, and entity keys must be
/// the same across restarts (windows rebuilt from the audit log) and across nodes (shared Redis store).
/// Why not System.IO.Hashing.XxHash64: the engine depends on the BCL only (DESIGN.md); this is the same
/// algorithm in ~60 lines, checked against the reference vectors in the tests.
/// </remarks>
public static class StableHash
{
    private const ulong Prime1 = 11400714785074694791UL;
    private const ulong Prime2 = 14029467366897019727UL;
    private const ulong Prime3 = 1609587929392839161UL;
    private const ulong Prime4 = 9650029242287828579UL;
    private const ulong Prime5 = 2870177450012600261UL;

    /// <summary>xxHash64 of <paramref name="data"/> with seed 0.</summary>
    public static ulong Hash64(ReadOnlySpan<byte> data)
    {
        var length = data.Length;
        ulong h;
        var i = 0;
        if (length >= 32)
        {
            ulong v1 = unchecked(Prime1 + Prime2), v2 = Prime2, v3 = 0, v4 = unchecked(0 - Prime1);
            var limit = length - 32;
            do
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 24)..]));
                i += 32;
            }
            while (i <= limit);

            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = MergeRound(h, v1);
            h = MergeRound(h, v2);
            h = MergeRound(h, v3);
            h = MergeRound(h, v4);
        }
        else
        {
            h = Prime5;
        }

        h += (ulong)length;
        while (i + 8 <= length)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            h = (BitOperations.RotateLeft(h, 27) * Prime1) + Prime4;
            i += 8;
        }

        if (i + 4 <= length)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data[i..]) * Prime1;
            h = (BitOperations.RotateLeft(h, 23) * Prime2) + Prime3;
            i += 4;
        }

        while (i < length)
        {
            h ^= data[i] * Prime5;
            h = BitOperations.RotateLeft(h, 11) * Prime1;
            i++;
        }

        return Avalanche(h);
    }

    /// <summary>Spreads the bits of a 64-bit value (xxHash64's avalanche step).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong value) => Avalanche(value * Prime1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong acc, ulong input)
    {
        acc += input * Prime2;
        acc = BitOperations.RotateLeft(acc, 31);
        return acc * Prime1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MergeRound(ulong acc, ulong val)
    {
        acc ^= Round(0, val);
        return (acc * Prime1) + Prime4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong h)
    {
        h ^= h >> 33;
        h *= Prime2;
        h ^= h >> 29;
        h *= Prime3;
        h ^= h >> 32;
        return h;
    }
}
