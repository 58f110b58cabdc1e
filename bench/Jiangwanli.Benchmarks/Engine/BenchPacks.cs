using System.Text;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Engine.Workload;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>The default pack and the deterministic workload, shared by the engine benchmarks.</summary>
internal static class BenchPacks
{
    public static string DefaultPackPath => Path.Combine(AppContext.BaseDirectory, "rules", "default.yaml");

    public static RulePack Default()
    {
        var result = RulePackLoader.LoadFile(DefaultPackPath);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join("\n", result.Errors));
        }

        return result.Pack;
    }

    public static DecisionEngine Engine(RulePack pack) => new(pack, new InMemoryFeatureStore(new FeatureStoreOptions()));

    /// <summary>The default workload: seeded, Zipf-skewed, ~250-byte payment events.</summary>
    public static byte[][] Events(int count, int seed = 42)
    {
        using var generator = new EventGenerator(new EventGeneratorOptions { Seed = seed });
        var events = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            events[i] = generator.Next().ToArray();
        }

        return events;
    }

    /// <summary>
    /// Contexts holding the decisions of the last <paramref name="count"/> of <paramref name="events"/>, after the
    /// events before them filled the engine's windows. They stay rented: benchmarks evaluate rules on them again.
    /// </summary>
    public static DecisionContext[] DecidedContexts(DecisionEngine engine, byte[][] events, int count)
    {
        foreach (var e in events.AsSpan(0, events.Length - count))
        {
            var warm = engine.Rent();
            engine.Decide(e, warm);
            engine.Return(warm);
        }

        var contexts = new DecisionContext[count];
        for (var i = 0; i < count; i++)
        {
            contexts[i] = engine.Rent();
            engine.Decide(events[events.Length - count + i], contexts[i]);
        }

        return contexts;
    }

    /// <summary>A pack of <paramref name="rules"/> generated rules over the default schema and features.</summary>
    public static string GeneratedPack(int rules)
    {
        var text = File.ReadAllText(DefaultPackPath);
        var cut = text.IndexOf("\nrules:", StringComparison.Ordinal);
        var sb = new StringBuilder(text[..cut]).Append("\nrules:\n");
        string[] shapes =
        [
            "amount > {0}.5 && user_txn_1h > {1}",
            "country == \"C{0}\" || card_country in [\"X{1}\", \"Y{0}\"]",
            "user_amount_24h + amount > {0}.0 * 10.0 && !is_3ds",
            "lower(email).endsWith(\"@d{0}.example\") && device_users_24h >= {1}",
            "(ip in blocked_ips || card in blocked_cards) && amount % {2} == 0",
            "has(account_created) && timestamp - account_created < {1}h ? amount > {0} : false",
            "size(merchant) > {1} && merchant.startsWith(\"m{0}\")",
            "min(amount, user_max_amount_24h) > {0} && max(ip_txn_1m, card_txn_1h) < {1}",
        ];
        for (var i = 0; i < rules; i++)
        {
            var when = string.Format(System.Globalization.CultureInfo.InvariantCulture, shapes[i % shapes.Length], i, (i % 17) + 1, (i % 7) + 2);
            sb.Append("  - id: r").Append(i).Append("\n    when: '").Append(when.Replace("'", "''", StringComparison.Ordinal)).Append("'\n    score: ").Append(i % 30).Append('\n');
        }

        sb.Append("decision: { review_at: 50, deny_at: 80 }\n");
        return sb.ToString();
    }
}
