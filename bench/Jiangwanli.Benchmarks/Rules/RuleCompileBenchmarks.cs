using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Lists;
using Jiangwanli.Engine.Rules;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Benchmarks.Rules;

/// <summary>
/// The rule language alone: compiling a generated 1,000-rule set (target &lt; 1 s) and evaluating a 15-rule set on
/// prepared events (part of the &lt; 2 µs per-decision budget; 0 B allocated).
/// </summary>
[MemoryDiagnoser]
public class RuleCompileBenchmarks
{
    private const int Events = 16;

    private RuleEnvironment _env = null!;
    private string[] _thousand = null!;
    private RulePredicate[] _fifteen = null!;
    private DecisionContext[] _contexts = null!;

    [GlobalSetup]
    public void Setup()
    {
        var schema = new EventSchema(
        [
            ("user", FieldType.String, true, null),
            ("device", FieldType.String, true, null),
            ("ip", FieldType.String, true, null),
            ("card", FieldType.String, true, false),
            ("amount", FieldType.Number, false, null),
            ("country", FieldType.String, false, null),
            ("email", FieldType.String, false, null),
            ("name", FieldType.String, false, null),
            ("is_vip", FieldType.Bool, false, null),
            ("created_at", FieldType.Timestamp, false, null),
            ("seen_at", FieldType.Timestamp, false, null),
            ("tries", FieldType.Number, false, null),
        ]);
        var features = new Dictionary<string, FeatureDefinition>();
        AddFeature(features, schema, "user_txn_1h", FeatureKind.Count, "user", null, 1);
        AddFeature(features, schema, "user_amount_24h", FeatureKind.Sum, "user", "amount", 24);
        AddFeature(features, schema, "device_users_24h", FeatureKind.Distinct, "device", "user", 24);
        AddFeature(features, schema, "ip_txn_1m", FeatureKind.Count, "ip", null, 1);
        AddFeature(features, schema, "card_users_24h", FeatureKind.Distinct, "card", "user", 24);
        AddFeature(features, schema, "user_max_24h", FeatureKind.Max, "user", "amount", 24);
        var lists = new Dictionary<string, NamedList>
        {
            ["blocked_ips"] = new("blocked_ips", ListKind.Ip, ["10.0.0.0/8", "192.0.2.0/24", "203.0.113.9"]),
            ["blocked_devices"] = new("blocked_devices", ListKind.String, ["dev-bad-1", "dev-bad-2"]),
            ["vip_users"] = new("vip_users", ListKind.String, ["u-1", "u-2", "u-3"]),
        };
        _env = new RuleEnvironment(schema, features, lists);

        var random = new Random(20261126);
        _thousand = new string[1000];
        for (var i = 0; i < _thousand.Length; i++)
        {
            _thousand[i] = GenerateCondition(random, i);
        }

        _fifteen = new RulePredicate[15];
        for (var i = 0; i < _fifteen.Length; i++)
        {
            // One of each template shape, then a few more: a realistic pack mix.
            _fifteen[i] = CompileOrThrow($"r{i}", GenerateCondition(random, i));
        }

        _contexts = new DecisionContext[Events];
        for (var i = 0; i < Events; i++)
        {
            _contexts[i] = MakeEvent(schema, features.Count, random, i);
        }

        // Sanity: the 1,000-rule set compiles (a benchmark of failures would measure the wrong thing).
        if (Compile1000Rules() != _thousand.Length)
        {
            throw new InvalidOperationException("generated rules did not all compile");
        }
    }

    /// <summary>Parse, type-check, fold and build 1,000 conditions.</summary>
    [Benchmark]
    public int Compile1000Rules()
    {
        var diagnostics = new List<RuleDiagnostic>();
        var compiled = 0;
        for (var i = 0; i < _thousand.Length; i++)
        {
            if (RuleCompiler.Compile("g", _thousand[i], _env, 1, 1, diagnostics) is not null)
            {
                compiled++;
            }
        }

        return compiled;
    }

    /// <summary>All 15 rules of a set on one event (averaged over 16 different events).</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public int Evaluate15Rules()
    {
        var matched = 0;
        var predicates = _fifteen;
        foreach (var context in _contexts)
        {
            context.ScratchLength = 0; // the per-decision reset
            for (var r = 0; r < predicates.Length; r++)
            {
                if (predicates[r](context))
                {
                    matched++;
                }
            }
        }

        return matched;
    }

    private RulePredicate CompileOrThrow(string id, string source)
    {
        var diagnostics = new List<RuleDiagnostic>();
        return RuleCompiler.Compile(id, source, _env, 1, 1, diagnostics)
               ?? throw new InvalidOperationException($"{source}: {string.Join("; ", diagnostics)}");
    }

    private static void AddFeature(Dictionary<string, FeatureDefinition> into, EventSchema schema, string name, FeatureKind kind, string by, string? of, int hours)
    {
        schema.TryGetField(by, out var byField);
        SchemaField? ofField = null;
        if (of is not null)
        {
            schema.TryGetField(of, out ofField);
        }

        into[name] = new FeatureDefinition(name, into.Count, kind, byField!, ofField, TimeSpan.FromHours(hours));
    }

    private static string GenerateCondition(Random random, int shape)
    {
        var n = random.Next(10, 5000).ToString(CultureInfo.InvariantCulture);
        var k = random.Next(1, 30).ToString(CultureInfo.InvariantCulture);
        var c = $"'{(char)('A' + random.Next(26))}{(char)('A' + random.Next(26))}'";
        return (shape % 12) switch
        {
            0 => $"amount > {n}.0 && user_txn_1h > {k}",
            1 => $"country in [{c}, 'CN', 'HK', 'RU', {c}] && amount >= {n}",
            2 => "ip in blocked_ips || device in blocked_devices",
            3 => $"lower(email).endsWith('@mailinator.com') && amount >= {n}",
            4 => $"seen_at - created_at < {k}m && user_amount_24h > {n}",
            5 => $"size(name) < 3 || !is_vip && device_users_24h >= {k}",
            6 => $"(has(tries) && tries > {k}) ? amount > {n} : amount > {n} * 2",
            7 => $"abs(amount - user_amount_24h / max(user_txn_1h, 1)) > {n}",
            8 => $"email.startsWith('admin') || email.contains('+{k}')",
            9 => $"card_users_24h > {k} && !(user in vip_users) && country != {c}",
            10 => $"ip_txn_1m >= {k} || user_max_24h > {n} && amount > user_max_24h * 0.9",
            _ => $"country + ':' + device in ['CN:dev-1', 'US:dev-2', {c}] || (amount > 1h / 1000 && is_vip == false)",
        };
    }

    private static DecisionContext MakeEvent(EventSchema schema, int featureCount, Random random, int i)
    {
        var context = new DecisionContext(schema, featureCount, 15);
        void Text(string name, string value)
        {
            schema.TryGetField(name, out var f);
            var bytes = Encoding.UTF8.GetBytes(value);
            context.Present[f!.Index] = true;
            context.StringOffsets[f.Slot] = context.AppendText(bytes);
            context.StringLengths[f.Slot] = bytes.Length;
        }

        void Number(string name, double value)
        {
            schema.TryGetField(name, out var f);
            context.Present[f!.Index] = true;
            context.Numbers[f.Slot] = value;
        }

        Text("user", $"u-{random.Next(1, 50)}");
        Text("device", $"dev-{random.Next(1, 5)}");
        Text("ip", i % 4 == 0 ? "10.2.3.4" : $"198.51.100.{random.Next(1, 250)}");
        Text("card", $"card-{random.Next(1, 100)}");
        Number("amount", random.Next(1, 10_000));
        Text("country", i % 3 == 0 ? "CN" : "DE");
        Text("email", i % 5 == 0 ? "Admin+7@Mailinator.com" : $"user{i}@example.com");
        Text("name", i % 2 == 0 ? "Zoë" : "Alexander");
        schema.TryGetField("is_vip", out var vip);
        context.Present[vip!.Index] = true;
        context.Bools[vip.Slot] = i % 7 == 0;
        Number("created_at", 1_700_000_000_000);
        Number("seen_at", 1_700_000_000_000 + random.Next(0, 3_600_000));
        if (i % 2 == 0)
        {
            Number("tries", random.Next(0, 10));
        }

        for (var f = 0; f < featureCount; f++)
        {
            context.SetFeature(f, random.Next(0, 40));
        }

        return context;
    }
}
