using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Server.Telemetry;

/// <summary>
/// Matches per rule id for the observable <c>jiangwanli.rule.hits</c> counter: one striped counter per rule id, reached
/// from a decision through an array indexed like its pack's rules, so counting a match is an array load and an
/// interlocked increment on a core-local cache line — no tag-set lookup, no lock.
/// </summary>
/// <remarks>
/// Counts are kept by rule id, not by pack, so they survive a pack swap (a rule that stays keeps counting up; the
/// exported series is cumulative and must not go back). The array of the pack seen last is cached; a decision on
/// another pack (during a swap, while the old pack's last decisions finish) finds or builds that pack's array once.
/// </remarks>
internal sealed class RuleHitCounters
{
    // A rule counter's cells: one per core up to 8. Each cell is 128 bytes, and a pack may have a thousand rules.
    private readonly TaggedCounters _byId = new("rule", Math.Min(Environment.ProcessorCount, 8));
    private readonly ConditionalWeakTable<RulePack, PackCounters> _byPack = new();
    private PackCounters? _last;

    /// <summary>Counts one match for each rule index in <paramref name="matched"/> (indexes into <paramref name="pack"/>'s rules).</summary>
    public void Count(RulePack pack, ReadOnlySpan<int> matched)
    {
        var counters = Volatile.Read(ref _last);
        if (counters is null || !ReferenceEquals(counters.Pack, pack))
        {
            counters = _byPack.GetValue(pack, Resolve);
            Volatile.Write(ref _last, counters);
        }

        var byIndex = counters.ByIndex;
        foreach (var index in matched)
        {
            byIndex[index].Increment();
        }
    }

    /// <summary>Matches counted for <paramref name="ruleId"/> so far.</summary>
    public long Read(string ruleId) => _byId.Read(ruleId);

    /// <summary>The observable counter's callback: every rule id that matched, with its total.</summary>
    public IEnumerable<Measurement<long>> Observe() => _byId.Observe();

    private PackCounters Resolve(RulePack pack)
    {
        var rules = pack.Rules;
        var byIndex = new StripedCounter[rules.Count];
        for (var i = 0; i < byIndex.Length; i++)
        {
            byIndex[i] = _byId.For(rules[i].Id);
        }

        return new PackCounters(pack, byIndex);
    }

    private sealed record PackCounters(RulePack Pack, StripedCounter[] ByIndex);
}
