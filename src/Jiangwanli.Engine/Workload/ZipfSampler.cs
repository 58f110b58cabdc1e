namespace Jiangwanli.Engine.Workload;

/// <summary>
/// Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s (Zipf), by binary search over a
/// precomputed cumulative table. Deterministic for a given <see cref="Random"/>.
/// </summary>
public sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    /// <summary>Creates a sampler over <paramref name="count"/> ranks with exponent <paramref name="exponent"/>.</summary>
    public ZipfSampler(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[count];
        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, exponent);
            _cumulative[i] = sum;
        }

        for (var i = 0; i < count; i++)
        {
            _cumulative[i] /= sum;
        }
    }

    /// <summary>Number of ranks.</summary>
    public int Count => _cumulative.Length;

    /// <summary>Draws one rank.</summary>
    public int Next(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var u = random.NextDouble();
        var i = Array.BinarySearch(_cumulative, u);
        return Math.Min(i < 0 ? ~i : i, _cumulative.Length - 1);
    }
}
