namespace Jiangwanli.Runtime;

/// <summary>Nearest-rank percentiles over small copied sample sets (snapshots only, never the hot path).</summary>
internal static class Percentiles
{
    /// <summary>
    /// The nearest-rank <paramref name="percentile"/> (0..100] of <paramref name="sorted"/>, which must
    /// be sorted ascending; 0 for an empty set.
    /// </summary>
    public static double NearestRank(ReadOnlySpan<double> sorted, double percentile)
    {
        if (sorted.IsEmpty)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }
}
