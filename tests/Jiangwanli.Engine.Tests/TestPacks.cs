using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Engine.Tests;

/// <summary>Finds the repository's rule packs and builds engines over them.</summary>
internal static class TestPacks
{
    /// <summary>The repository's rules/ folder, copied next to the test assembly by the csproj.</summary>
    public static string DefaultPackPath => Path.Combine(AppContext.BaseDirectory, "rules", "default.yaml");

    public static RulePack Default()
    {
        var result = RulePackLoader.LoadFile(DefaultPackPath);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Pack!;
    }

    public static RulePack Load(string yaml)
    {
        var result = RulePackLoader.Load(yaml);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Pack!;
    }

    public static DecisionEngine Engine(RulePack pack, TimeProvider? time = null)
        => new(pack, new InMemoryFeatureStore(new FeatureStoreOptions(), time), time);
}
