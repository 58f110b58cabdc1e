using BenchmarkDotNet.Attributes;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>Loading and compiling a generated 1,000-rule pack (YAML parse, type-check, compile). Target: &lt; 1 s.</summary>
[MemoryDiagnoser]
public class PackCompileBenchmarks
{
    private string _yaml = null!;
    private string _baseDir = null!;

    [GlobalSetup]
    public void Setup()
    {
        _yaml = BenchPacks.GeneratedPack(1000);
        _baseDir = Path.GetDirectoryName(BenchPacks.DefaultPackPath)!;
        var result = RulePackLoader.Load(_yaml, _baseDir);
        if (!result.Success || result.Pack.Rules.Count != 1000)
        {
            throw new InvalidOperationException(string.Join("\n", result.Errors.Take(5)));
        }
    }

    [Benchmark]
    public int Load1000RulePack() => RulePackLoader.Load(_yaml, _baseDir).Pack!.Rules.Count;
}
