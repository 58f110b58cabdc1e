using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Jiangwanli.Server.Telemetry;

/// <summary>
/// Striped counters keyed by the value of one tag (refusals by reason, rule hits by rule id), published through an
/// observable counter: a value's counter is created on first use and kept, so its series only goes up. Counting is
/// a lookup and an interlocked increment on a core-local line, never an OpenTelemetry tag-set lookup per event.
/// </summary>
internal sealed class TaggedCounters(string tagName, int cells)
{
    private readonly ConcurrentDictionary<string, StripedCounter> _counters = new(StringComparer.Ordinal);

    /// <summary>The counter for <paramref name="value"/> (one lookup, no allocation after the first call).</summary>
    public StripedCounter For(string value) => _counters.GetOrAdd(value, static (_, cells) => new StripedCounter(cells), cells);

    /// <summary>The total counted under <paramref name="value"/> (0 when never counted).</summary>
    public long Read(string value) => _counters.TryGetValue(value, out var counter) ? counter.Read() : 0;

    /// <summary>The observable counter's callback: every value counted at least once, with its total.</summary>
    public IEnumerable<Measurement<long>> Observe()
    {
        foreach (var (value, counter) in _counters)
        {
            var total = counter.Read();
            if (total > 0)
            {
                yield return new Measurement<long>(total, new KeyValuePair<string, object?>(tagName, value));
            }
        }
    }
}
