using System.Diagnostics;
using System.Globalization;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// <c>--rule-costs [--rounds R]</c>: what each rule of the default pack costs to evaluate on its own, in ns, over 256
/// workload events whose features and lists are in place (the same contexts as <see cref="RuleEvaluationBenchmarks"/>).
/// Each rule runs 1,024,000 times in a row, so predictors and caches are warm: the figures rank the rules and show
/// what a change to one node type buys, not what a rule costs inside a whole decision. The last round is printed.
/// </summary>
internal static class RuleCosts
{
    private const int Batch = 256;
    private const int Passes = 4_000;

    public static bool TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] != "--rule-costs")
        {
            return false;
        }

        var at = Array.IndexOf(args, "--rounds");
        var rounds = at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : 3;
        var pack = BenchPacks.Default();
        var engine = BenchPacks.Engine(pack);
        var contexts = BenchPacks.DecidedContexts(engine, BenchPacks.Events(50_000), Batch);

        var conditions = pack.Conditions;
        for (var round = 1; round <= rounds; round++)
        {
            var total = 0.0;
            for (var r = 0; r < conditions.Length; r++)
            {
                var condition = conditions[r];
                var matched = 0;
                var clock = Stopwatch.StartNew();
                for (var pass = 0; pass < Passes; pass++)
                {
                    foreach (var context in contexts)
                    {
                        context.ScratchLength = 0; // what a decision's reader does before the rules run
                        matched += condition.Eval(context) ? 1 : 0;
                    }
                }

                var ns = clock.Elapsed.TotalNanoseconds / ((double)Passes * Batch);
                total += ns;
                if (round == rounds)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {pack.Rules[r].Id} | {ns:F1} | {condition.GetType().Name} | {matched / Passes} of {Batch} |"));
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round}: all rules {total:F1} ns"));
        }

        return true;
    }
}
