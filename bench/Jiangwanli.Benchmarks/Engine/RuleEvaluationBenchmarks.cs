using BenchmarkDotNet.Attributes;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;
using RulesEngine.Models;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// Rule evaluation only, features precomputed: the default pack compiled by Jiangwanli versus the same rules
/// expressed for Microsoft RulesEngine (NuGet RulesEngine 6), on the same events. Target: Jiangwanli ≥ 10× faster.
/// </summary>
/// <remarks>
/// Both sides get the same inputs: the event's fields, its feature values and its list memberships, computed once
/// in setup by the Jiangwanli engine. RulesEngine evaluates C# lambda expressions (System.Linq.Dynamic.Core) over
/// a typed object; list membership is given to it as precomputed booleans, which favours the baseline.
/// </remarks>
[MemoryDiagnoser]
public class RuleEvaluationBenchmarks
{
    private const int Batch = 256;
    private DecisionContext[] _contexts = null!;
    private PaymentFacts[] _facts = null!;
    private RulesEngine.RulesEngine _rulesEngine = null!;

    [GlobalSetup]
    public void Setup()
    {
        var pack = BenchPacks.Default();
        var engine = BenchPacks.Engine(pack);
        _contexts = BenchPacks.DecidedContexts(engine, BenchPacks.Events(50_000), Batch);
        _facts = new PaymentFacts[Batch];
        for (var i = 0; i < Batch; i++)
        {
            _facts[i] = PaymentFacts.From(_contexts[i]);
        }

        _rulesEngine = new RulesEngine.RulesEngine([PaymentFacts.Workflow()], new ReSettings());

        // The two engines must agree before their speed is compared.
        for (var i = 0; i < Batch; i++)
        {
            var expected = new List<string>();
            foreach (var r in _contexts[i].MatchedRuleIndexes)
            {
                expected.Add(pack.Rules[r].Id);
            }

            var results = _rulesEngine.ExecuteAllRulesAsync("default", _facts[i]).AsTask().GetAwaiter().GetResult();
            var actual = results.Where(r => r.IsSuccess).Select(r => r.Rule.RuleName).ToList();
            if (!expected.SequenceEqual(actual))
            {
                throw new InvalidOperationException($"event {i}: jiangwanli [{string.Join(",", expected)}] vs RulesEngine [{string.Join(",", actual)}]");
            }
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int MicrosoftRulesEngine()
    {
        var matched = 0;
        foreach (var facts in _facts)
        {
            var results = _rulesEngine.ExecuteAllRulesAsync("default", facts).AsTask().GetAwaiter().GetResult();
            foreach (var r in results)
            {
                matched += r.IsSuccess ? 1 : 0;
            }
        }

        return matched;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int Jiangwanli()
    {
        var matched = 0;
        foreach (var ctx in _contexts)
        {
            DecisionEngine.EvaluateRules(ctx);
            matched += ctx.MatchedCount;
        }

        return matched;
    }
}
