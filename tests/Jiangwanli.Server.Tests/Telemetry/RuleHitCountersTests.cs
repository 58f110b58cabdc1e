using Jiangwanli.Engine.Packs;
using Jiangwanli.Server.Telemetry;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Telemetry;

/// <summary>Rule hits are counted by rule id, exactly under concurrency, across two packs in use at once (a swap).</summary>
public sealed class RuleHitCountersTests
{
    [Fact]
    public void Count_ManyThreadsOnTwoPacks_TotalsEachRuleIdExactly()
    {
        var small = Load(TestPacks.Small("1"));                   // rules: blocked_ip, burst
        var defaults = Load(File.ReadAllText(TestPacks.DefaultPackPath));
        var smallBlocked = IndexOf(small, "blocked_ip");
        var smallBurst = IndexOf(small, "burst");
        var defaultBlocked = IndexOf(defaults, "blocked_ip");
        var defaultLast = defaults.Rules.Count - 1;
        var lastId = defaults.Rules[defaultLast].Id;
        Assert.NotEqual("blocked_ip", lastId);

        var counters = new RuleHitCounters();
        const int Threads = 4, PerThread = 20_000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            Span<int> both = [smallBlocked, smallBurst];
            Span<int> blockedAndLast = [defaultBlocked, defaultLast];
            for (var i = 0; i < PerThread; i++)
            {
                // Alternate packs on every call: the cached pack changes under the other threads all the time.
                if ((i + t) % 2 == 0)
                {
                    counters.Count(small, both);
                }
                else
                {
                    counters.Count(defaults, blockedAndLast);
                }
            }
        });

        const int Half = Threads * PerThread / 2;
        Assert.Equal(2 * Half, counters.Read("blocked_ip"));    // the same id in both packs: one series
        Assert.Equal(Half, counters.Read("burst"));
        Assert.Equal(Half, counters.Read(lastId));
        Assert.Equal(0, counters.Read("no_such_rule"));

        var observed = counters.Observe().ToDictionary(m => (string)m.Tags[0].Value!, m => m.Value);
        Assert.Equal(3, observed.Count);                         // rules never hit are not published
        Assert.Equal(2 * Half, observed["blocked_ip"]);
        Assert.Equal(Half, observed["burst"]);
        Assert.Equal(Half, observed[lastId]);
        Assert.All(counters.Observe(), m => Assert.Equal("rule", m.Tags[0].Key));
    }

    private static RulePack Load(string yaml)
    {
        var result = RulePackLoader.Load(yaml, Path.GetDirectoryName(TestPacks.DefaultPackPath));
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Pack;
    }

    private static int IndexOf(RulePack pack, string id)
    {
        for (var i = 0; i < pack.Rules.Count; i++)
        {
            if (pack.Rules[i].Id == id)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"no rule {id}");
    }
}
