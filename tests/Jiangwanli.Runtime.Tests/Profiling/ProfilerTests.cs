using System.Runtime.CompilerServices;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Runtime.Tests.Support;

namespace Jiangwanli.Runtime.Tests.Profiling;

[Collection(ProcessWideCollection.Name)]
public sealed class ProfilerTests
{
    private const string SpinName = "Jiangwanli.Runtime.Tests.Profiling.ProfilerTests.SpinForProfiler";
    private const string AllocatorName = "Jiangwanli.Runtime.Tests.Profiling.ProfilerTests.AllocateMarkers";
    private static readonly object?[] s_keep = new object?[1024];
    private static long s_sink;

    [Fact]
    public async Task CpuProfile_ThreadSpinningInKnownMethod_MethodIsTopFrameInAllFormats()
    {
        using var profiler = new CpuProfiler();
        CollectedProfile profile;
        using (var spinner = new Workload(SpinLoop))
        {
            var outcome = await profiler.CollectAsync(TimeSpan.FromSeconds(2));
            Assert.Equal(ProfileStatus.Completed, outcome.Status);
            profile = outcome.Profile!;
        }

        Assert.Equal(ProfileKind.Cpu, profile.Kind);
        var top = profile.Top(5, sampleType: 0);
        Assert.Contains(top, f => f.Name == SpinName);
        var spinFlat = top.First(f => f.Name == SpinName).Flat;

        // pprof: parses with Google.Protobuf, and the counts agree with the in-memory profile.
        var pprof = ProfileReaders.ParsePprof(await ProfileReaders.RenderAsync(profile, ProfileFormat.Pprof));
        Assert.Equal(["samples", "cpu"], pprof.SampleType.Select(t => pprof.StringTable[(int)t.Type]));
        Assert.Equal(["count", "nanoseconds"], pprof.SampleType.Select(t => pprof.StringTable[(int)t.Unit]));
        var samples = ProfileReaders.PprofFlat(pprof, 0);
        var cpu = ProfileReaders.PprofFlat(pprof, 1);
        Assert.Equal(profile.EventCount, samples.Values.Sum());
        Assert.Equal(profile.Total(1), cpu.Values.Sum());
        Assert.All(pprof.Sample, s => Assert.Equal(s.Value[0] * pprof.Period, s.Value[1]));
        Assert.Equal(spinFlat, samples[SpinName]);
        Assert.Contains(SpinName, samples.OrderByDescending(kv => kv.Value).Take(5).Select(kv => kv.Key));

        // speedscope: the same flat counts.
        var speedscope = ProfileReaders.SpeedscopeFlat(await ProfileReaders.RenderAsync(profile, ProfileFormat.Speedscope), 0);
        Assert.Equal(spinFlat, speedscope[SpinName]);
        Assert.Contains(SpinName, speedscope.OrderByDescending(kv => kv.Value).Take(5).Select(kv => kv.Key));

        // flame graph: a box for the method as wide as its share of the profile.
        var boxes = ProfileReaders.SvgBoxes(await ProfileReaders.RenderAsync(profile, ProfileFormat.FlameGraphSvg));
        var spinShare = 100.0 * profile.Top(profile.FunctionCount, 1).First(f => f.Name == SpinName).Cumulative / profile.Total(1);
        var spinBoxes = boxes.Where(b => b.Name == SpinName).ToList();
        Assert.NotEmpty(spinBoxes);
        Assert.InRange(spinBoxes.Sum(b => b.Percent), spinShare - 0.05, spinShare + 0.05);
        Assert.True(spinShare > 20, $"the spinning method had only {spinShare:0.#}% of the CPU samples");
    }

    [Fact]
    public async Task AllocationProfile_LoopAllocatingType_NamesTypeAndAllocatingMethod()
    {
        using var profiler = new AllocationProfiler();
        CollectedProfile profile;
        using (var allocator = new Workload(AllocateLoop))
        {
            var outcome = await profiler.CollectAsync(TimeSpan.FromSeconds(2));
            Assert.Equal(ProfileStatus.Completed, outcome.Status);
            profile = outcome.Profile!;
        }

        Assert.Equal(["alloc_objects", "alloc_space"], profile.SampleTypes.Select(t => t.Type));
        var markerFrame = profile.Top(3, 1).Select(f => f.Name).FirstOrDefault(n => n.Contains("AllocationMarker", StringComparison.Ordinal));
        Assert.NotNull(markerFrame);
        Assert.StartsWith("[alloc] ", markerFrame);
        Assert.Contains(profile.Top(profile.FunctionCount, 1), f => f.Name == AllocatorName && f.Cumulative > 0);

        var pprof = ProfileReaders.ParsePprof(await ProfileReaders.RenderAsync(profile, ProfileFormat.Pprof));
        var space = ProfileReaders.PprofFlat(pprof, 1);
        Assert.Equal(profile.Total(1), space.Values.Sum());
        Assert.Equal(markerFrame, space.MaxBy(kv => kv.Value).Key);
        Assert.Equal("alloc_space", pprof.StringTable[(int)pprof.DefaultSampleType]);

        var speedscope = ProfileReaders.SpeedscopeFlat(await ProfileReaders.RenderAsync(profile, ProfileFormat.Speedscope), 1);
        Assert.Equal(markerFrame, speedscope.MaxBy(kv => kv.Value).Key);

        var boxes = ProfileReaders.SvgBoxes(await ProfileReaders.RenderAsync(profile, ProfileFormat.FlameGraphSvg));
        Assert.Contains(boxes, b => b.Name == markerFrame && b.Percent > 10);
    }

    [Fact]
    public async Task Profiles_SeveralInARow_AllCompleteWithSamples()
    {
        var gate = new ProfileGate();
        using var cpu = new CpuProfiler(gate: gate);
        using var allocations = new AllocationProfiler(gate: gate);
        using var work = new Workload(MixedLoop);
        for (var i = 0; i < 4; i++)
        {
            var outcome = i % 2 == 0
                ? await cpu.CollectAsync(TimeSpan.FromSeconds(1))
                : await allocations.CollectAsync(TimeSpan.FromSeconds(1));
            Assert.Equal(ProfileStatus.Completed, outcome.Status);
            Assert.True(outcome.Profile!.EventCount > 0);
            Assert.False(gate.IsBusy);
        }
    }

    [Fact]
    public async Task CollectAsync_WhileAnotherProfileRuns_ReturnsBusyAtOnce()
    {
        var gate = new ProfileGate();
        using var cpu = new CpuProfiler(gate: gate);
        using var allocations = new AllocationProfiler(gate: gate);
        var first = cpu.CollectAsync(TimeSpan.FromSeconds(1));
        var second = await allocations.CollectAsync(TimeSpan.FromSeconds(1));
        var third = await cpu.CollectAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(ProfileStatus.Busy, second.Status);
        Assert.Null(second.Profile);
        Assert.Equal(ProfileStatus.Busy, third.Status);
        Assert.True(cpu.IsBusy);
        Assert.Equal(ProfileStatus.Completed, (await first).Status);
        Assert.False(cpu.IsBusy);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(61.0)]
    public async Task CollectAsync_DurationOutOfBounds_ReturnsInvalidRequest(double seconds)
    {
        using var cpu = new CpuProfiler();
        var outcome = await cpu.CollectAsync(TimeSpan.FromSeconds(seconds));
        Assert.Equal(ProfileStatus.InvalidRequest, outcome.Status);
        Assert.Contains("seconds", outcome.Message, StringComparison.Ordinal);
        Assert.False(cpu.IsBusy);
    }

    [Fact]
    public async Task CollectAsync_Canceled_ReturnsCanceledAndFreesTheGate()
    {
        using var cpu = new CpuProfiler();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var outcome = await cpu.CollectAsync(TimeSpan.FromSeconds(10), cancel.Token);
        Assert.Equal(ProfileStatus.Canceled, outcome.Status);
        Assert.False(cpu.IsBusy);
    }

    private static void SpinLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Volatile.Write(ref s_sink, SpinForProfiler(200_000));
        }
    }

    private static void AllocateLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            AllocateMarkers(10_000);
        }
    }

    private static void MixedLoop(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Volatile.Write(ref s_sink, SpinForProfiler(50_000));
            AllocateMarkers(1_000);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long SpinForProfiler(long iterations)
    {
        long x = 17;
        for (long i = 0; i < iterations; i++)
        {
            x = (x * 31) ^ i;
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AllocateMarkers(int count)
    {
        for (var i = 0; i < count; i++)
        {
            // Stored in a static array so the allocation escapes and cannot be elided.
            s_keep[i & (s_keep.Length - 1)] = new AllocationMarker { A = i, B = count };
        }
    }

    private sealed class AllocationMarker
    {
        public long A;
        public long B;

        public override string ToString() => $"{A}{B}";
    }

    /// <summary>A background thread running a loop until disposed.</summary>
    private sealed class Workload : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public Workload(Action<CancellationToken> loop)
        {
            _thread = new Thread(() => loop(_stop.Token)) { IsBackground = true, Name = "profiled workload" };
            _thread.Start();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }
}
