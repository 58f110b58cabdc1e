using Jiangwanli.Engine.Features;

namespace Jiangwanli.Engine.Tests.Features;

/// <summary>
/// Brute-force model of the documented window definition (docs/features.md): bucket width g = ⌊W/n⌋ with n = N, or
/// the largest power of two ≤ W when W &lt; N; an event at t is in bucket ⌊t/g⌋; a key's window is the n buckets ending
/// at the newest bucket H the key has seen; a value covers every observed event of the key whose bucket is in (H−n, H].
/// It keeps every raw event and recomputes each aggregate from scratch.
/// </summary>
internal sealed class WindowModel(int bucketsPerWindow)
{
    private readonly Dictionary<(int Feature, int User), List<(long Bucket, double Value, int Merchant)>> _events = [];
    private readonly Dictionary<(int Feature, int User), long> _heads = [];

    public static (int Buckets, long BucketMs) Geometry(long windowMs, int bucketsPerWindow)
    {
        var n = bucketsPerWindow;
        while (n > windowMs)
        {
            n /= 2;
        }

        return (n, windowMs / n);
    }

    public static long FloorDiv(long a, long b) => (long)Math.Floor((decimal)a / b);

    /// <summary>Adds an event for a feature, returns the expected value, or null when the feature is not set.</summary>
    public double? Observe(int featureIndex, FeatureDefinition feature, in FeatureEvent e)
    {
        if (!e.HasUser)
        {
            return null;
        }

        var needsAmount = feature.Kind is FeatureKind.Sum or FeatureKind.Min or FeatureKind.Max or FeatureKind.Avg;
        if ((needsAmount && e.Amount is null) || (feature.Kind == FeatureKind.Distinct && e.Merchant is null))
        {
            return null;
        }

        var (n, g) = Geometry(feature.WindowMs, bucketsPerWindow);
        var bucket = FloorDiv(e.TimestampMs, g);
        var key = (featureIndex, e.User);
        if (!_events.TryGetValue(key, out var list))
        {
            _events[key] = list = [];
        }

        list.Add((bucket, e.Amount ?? 0, e.Merchant ?? 0));
        var head = _heads.TryGetValue(key, out var h) ? Math.Max(h, bucket) : bucket;
        _heads[key] = head;
        return Aggregate(feature.Kind, list, head, n);
    }

    /// <summary>The aggregate of a key's window as it stands (no new event).</summary>
    public double? Current(int featureIndex, FeatureDefinition feature, int user)
    {
        var key = (featureIndex, user);
        if (!_events.TryGetValue(key, out var list))
        {
            return null;
        }

        var (n, _) = Geometry(feature.WindowMs, bucketsPerWindow);
        return Aggregate(feature.Kind, list, _heads[key], n);
    }

    /// <summary>Recomputes an aggregate from scratch over the raw events whose bucket is in (head − n, head].</summary>
    public static double Aggregate(FeatureKind kind, List<(long Bucket, double Value, int Merchant)> events, long head, int n)
    {
        var inWindow = events.Where(x => x.Bucket > head - n).ToList();
        return kind switch
        {
            FeatureKind.Count => inWindow.Count,
            FeatureKind.Sum => inWindow.Sum(x => x.Value),
            FeatureKind.Min => inWindow.Min(x => x.Value),
            FeatureKind.Max => inWindow.Max(x => x.Value),
            FeatureKind.Avg => inWindow.Average(x => x.Value),
            _ => inWindow.Select(x => x.Merchant).Distinct().Count(),
        };
    }
}
