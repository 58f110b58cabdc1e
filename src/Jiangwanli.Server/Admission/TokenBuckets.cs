using System.Collections.Concurrent;

namespace Jiangwanli.Server.Admission;

/// <summary>
/// Per-client token buckets keyed by API key: each key earns <c>perSecond</c> tokens a second up to <c>burst</c>, and
/// a request spends one. Lookups of known keys allocate nothing; a new key allocates its bucket. At most
/// <see cref="MaxKeys"/> keys are tracked; when full, unknown keys share one overflow bucket (so a flood of invented
/// keys cannot grow memory or escape the limit).
/// </summary>
internal sealed class TokenBuckets
{
    /// <summary>Most keys tracked at once.</summary>
    public const int MaxKeys = 100_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly Bucket _overflow;
    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _burst;

    /// <summary>Creates the buckets.</summary>
    public TokenBuckets(double perSecond, double burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(perSecond, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentNullException.ThrowIfNull(time);
        _perSecond = perSecond;
        _burst = burst;
        _time = time;
        _overflow = new Bucket(burst, time.GetTimestamp());
    }

    /// <summary>Spends one token of <paramref name="key"/>'s bucket; false when it has none (answer 429).</summary>
    public bool TryTake(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            bucket = _buckets.Count < MaxKeys
                ? _buckets.GetOrAdd(key, static (_, s) => new Bucket(s._burst, s._time.GetTimestamp()), this)
                : _overflow;
        }

        var now = _time.GetTimestamp();
        lock (bucket)
        {
            var earned = _time.GetElapsedTime(bucket.Refilled, now).TotalSeconds * _perSecond;
            bucket.Tokens = Math.Min(_burst, bucket.Tokens + earned);
            bucket.Refilled = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket(double tokens, long refilled)
    {
        public double Tokens { get; set; } = tokens;

        public long Refilled { get; set; } = refilled;
    }
}
