using System.Numerics;
using System.Runtime.InteropServices;

namespace Jiangwanli.Engine.Features;

/// <summary>Vectorized folds over window buckets (a 32-bucket read is a handful of SIMD operations).</summary>
internal static class WindowMath
{
    public static double Sum(ReadOnlySpan<double> values)
    {
        var i = 0;
        double total = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<double>.Count)
        {
            var vectors = MemoryMarshal.Cast<double, Vector<double>>(values);
            var acc = Vector<double>.Zero;
            foreach (var v in vectors)
            {
                acc += v;
            }

            total = Vector.Sum(acc);
            i = vectors.Length * Vector<double>.Count;
        }

        for (; i < values.Length; i++)
        {
            total += values[i];
        }

        return total;
    }

    public static double Min(ReadOnlySpan<double> values)
    {
        var i = 0;
        var result = double.PositiveInfinity;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<double>.Count)
        {
            var vectors = MemoryMarshal.Cast<double, Vector<double>>(values);
            var acc = new Vector<double>(double.PositiveInfinity);
            foreach (var v in vectors)
            {
                acc = Vector.Min(acc, v);
            }

            for (var k = 0; k < Vector<double>.Count; k++)
            {
                result = Math.Min(result, acc[k]);
            }

            i = vectors.Length * Vector<double>.Count;
        }

        for (; i < values.Length; i++)
        {
            result = Math.Min(result, values[i]);
        }

        return result;
    }

    public static double Max(ReadOnlySpan<double> values)
    {
        var i = 0;
        var result = double.NegativeInfinity;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<double>.Count)
        {
            var vectors = MemoryMarshal.Cast<double, Vector<double>>(values);
            var acc = new Vector<double>(double.NegativeInfinity);
            foreach (var v in vectors)
            {
                acc = Vector.Max(acc, v);
            }

            for (var k = 0; k < Vector<double>.Count; k++)
            {
                result = Math.Max(result, acc[k]);
            }

            i = vectors.Length * Vector<double>.Count;
        }

        for (; i < values.Length; i++)
        {
            result = Math.Max(result, values[i]);
        }

        return result;
    }

    /// <summary><paramref name="target"/>[i] = max(target[i], source[i]).</summary>
    public static void MaxInto(Span<byte> target, ReadOnlySpan<byte> source)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<byte>.Count)
        {
            var t = MemoryMarshal.Cast<byte, Vector<byte>>(target);
            var s = MemoryMarshal.Cast<byte, Vector<byte>>(source);
            for (var k = 0; k < t.Length; k++)
            {
                t[k] = Vector.Max(t[k], s[k]);
            }

            i = t.Length * Vector<byte>.Count;
        }

        for (; i < target.Length; i++)
        {
            if (source[i] > target[i])
            {
                target[i] = source[i];
            }
        }
    }
}
