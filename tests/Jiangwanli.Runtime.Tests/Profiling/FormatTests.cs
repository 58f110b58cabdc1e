using System.Text.Json;
using Jiangwanli.Runtime.Profiling;

namespace Jiangwanli.Runtime.Tests.Profiling;

/// <summary>The writers on hand-built profiles: exact values, awkward names, the empty profile.</summary>
public sealed class FormatTests
{
    private const string Generic = "Ns.Cache`2<K, V>.Get&Set\"quoted\"";

    [Fact]
    public async Task AllFormats_HandBuiltProfile_CarryExactValues()
    {
        var profile = Build();

        var pprof = ProfileReaders.ParsePprof(await ProfileReaders.RenderAsync(profile, ProfileFormat.Pprof));
        Assert.Equal(3, pprof.Sample.Count);
        Assert.Equal(1_000_000, pprof.Period);
        Assert.Equal(2_000_000_000, pprof.DurationNanos);
        Assert.Equal(new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000, pprof.TimeNanos);
        Assert.Equal("cpu", pprof.StringTable[(int)pprof.DefaultSampleType]);
        Assert.Equal(pprof.StringTable.Count, pprof.StringTable.Distinct().Count()); // each string once
        var flat = ProfileReaders.PprofFlat(pprof, 0);
        Assert.Equal(new Dictionary<string, long> { ["Ns.Leaf"] = 5, [Generic] = 3, ["Ns.Main"] = 1 }, flat);
        var leafSample = pprof.Sample.Single(s => s.Value[0] == 5);
        Assert.Equal(3, leafSample.LocationId.Count); // leaf, generic, main
        var systemNames = pprof.Function.Select(f => pprof.StringTable[(int)f.SystemName]);
        Assert.Contains("Ns.Leaf(int32)", systemNames);
        Assert.Contains("Jiangwanli.Runtime CPU profile (test)", pprof.Comment.Select(c => pprof.StringTable[(int)c]));

        var speedscope = ProfileReaders.SpeedscopeFlat(await ProfileReaders.RenderAsync(profile, ProfileFormat.Speedscope), 0);
        Assert.Equal(5, speedscope["Ns.Leaf"]);
        Assert.Equal(3, speedscope[Generic]);

        var boxes = ProfileReaders.SvgBoxes(await ProfileReaders.RenderAsync(profile, ProfileFormat.FlameGraphSvg));
        Assert.Contains(("all", 100.0), boxes);
        Assert.Contains((Generic, 88.89), boxes); // (5 + 3) / 9, escaped and read back intact
        Assert.Contains(("Ns.Leaf", 55.56), boxes);
        Assert.Contains(("Ns.Main", 100.0), boxes);

        var top = profile.Top(2);
        Assert.Equal([new FunctionCost("Ns.Leaf", 5, 5), new FunctionCost(Generic, 3, 8)], top);
    }

    [Fact]
    public async Task AllFormats_EmptyProfile_AreValid()
    {
        var profile = new StackProfileBuilder(2).Build(
            ProfileKind.Cpu, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1),
            [new("samples", "count"), new("cpu", "nanoseconds")], 1, new("cpu", "nanoseconds"), 1_000_000, []);

        Assert.Empty(ProfileReaders.ParsePprof(await ProfileReaders.RenderAsync(profile, ProfileFormat.Pprof)).Sample);
        Assert.Empty(ProfileReaders.SpeedscopeFlat(await ProfileReaders.RenderAsync(profile, ProfileFormat.Speedscope), 1));
        Assert.Equal([("all", 0.0)], ProfileReaders.SvgBoxes(await ProfileReaders.RenderAsync(profile, ProfileFormat.FlameGraphSvg)));
        Assert.Equal(0, profile.Total(1));
        Assert.Empty(profile.Top(10));
    }

    [Fact]
    public async Task Speedscope_StacksRunRootToLeaf()
    {
        var bytes = await ProfileReaders.RenderAsync(Build(), ProfileFormat.Speedscope);
        using var json = JsonDocument.Parse(bytes);
        var frames = json.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToArray();
        var stacks = json.RootElement.GetProperty("profiles")[0].GetProperty("samples").EnumerateArray()
            .Select(s => s.EnumerateArray().Select(i => frames[i.GetInt32()]).ToArray()).ToList();
        Assert.Contains(["Ns.Main", Generic, "Ns.Leaf"], stacks);
        Assert.Equal(2, json.RootElement.GetProperty("profiles").GetArrayLength());
        Assert.Equal("nanoseconds", json.RootElement.GetProperty("profiles")[1].GetProperty("unit").GetString());
    }

    [Fact]
    public void Recursion_CountsOncePerStackInCumulative()
    {
        var builder = new StackProfileBuilder(1);
        var f = builder.Function("R", "R()", "m");
        var node = builder.Child(builder.Child(builder.Child(-1, f), f), f);
        builder.Add(node, [4]);
        var profile = builder.Build(ProfileKind.Cpu, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1), [new("samples", "count")], 0, new("cpu", "nanoseconds"), 1, []);

        Assert.Equal(new FunctionCost("R", 4, 4), Assert.Single(profile.Top(5)));
    }

    [Theory]
    [InlineData(null, ProfileFormat.Pprof)]
    [InlineData("", ProfileFormat.Pprof)]
    [InlineData("pprof", ProfileFormat.Pprof)]
    [InlineData("PROTO", ProfileFormat.Pprof)]
    [InlineData("speedscope", ProfileFormat.Speedscope)]
    [InlineData("json", ProfileFormat.Speedscope)]
    [InlineData("svg", ProfileFormat.FlameGraphSvg)]
    [InlineData(" FlameGraph ", ProfileFormat.FlameGraphSvg)]
    public void ProfileFormats_TryParse_KnownNames(string? text, ProfileFormat expected)
    {
        Assert.True(ProfileFormats.TryParse(text, out var format));
        Assert.Equal(expected, format);
        Assert.StartsWith(".", ProfileFormats.FileExtension(format), StringComparison.Ordinal);
        Assert.Contains('/', ProfileFormats.ContentType(format));
    }

    [Fact]
    public void ProfileFormats_TryParse_UnknownName_Fails() => Assert.False(ProfileFormats.TryParse("png", out _));

    [Theory]
    [InlineData("Ns.Type.Method(int32,class System.String)", "Ns.Type.Method")]
    [InlineData("System.Collections.Generic.List`1[System.__Canon].AddWithResize(!0)", "System.Collections.Generic.List`1[System.__Canon].AddWithResize")]
    [InlineData("NoParens", "NoParens")]
    public void DisplayName_DropsTheParameterList(string full, string display) =>
        Assert.Equal(display, TraceStackResolver.DisplayName(full));

    [Theory]
    [InlineData(1.0, 102400.5)]       // tiny objects: one sample stands for ~100 KiB worth of them
    [InlineData(102400.0, 1.5820)]    // one mean distance: 1 / (1 - e^-1)
    [InlineData(10_000_000.0, 1.0)]   // huge objects are always sampled
    public void UpscaleWeight_FollowsPoissonSampling(double size, double weight) =>
        Assert.Equal(weight, AllocationProfiler.UpscaleWeight(size), weight * 1e-4);

    private static CollectedProfile Build()
    {
        var builder = new StackProfileBuilder(2);
        var main = builder.Function("Ns.Main", "Ns.Main()", "app");
        var generic = builder.Function(Generic, Generic + "()", "app");
        var leaf = builder.Function("Ns.Leaf", "Ns.Leaf(int32)", "app");
        var mainNode = builder.Child(-1, main);
        var genericNode = builder.Child(mainNode, generic);
        var leafNode = builder.Child(genericNode, leaf);
        builder.Add(leafNode, [2, 2]);
        builder.Add(leafNode, [3, 3]);
        builder.Add(genericNode, [3, 3]);
        builder.Add(mainNode, [1, 1]);
        builder.Scale(1, 1_000_000);
        return builder.Build(
            ProfileKind.Cpu,
            new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
            TimeSpan.FromSeconds(2),
            [new("samples", "count"), new("cpu", "nanoseconds")],
            1,
            new("cpu", "nanoseconds"),
            1_000_000,
            ["Jiangwanli.Runtime CPU profile (test)"]);
    }
}
