using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// <c>--decide-cpu --ab A_DIR B_DIR [--stage decide|pooled|read|readN|features|hot|hotN] [--rounds R] [--seconds S]</c>: two builds of
/// this benchmark (folders holding Jiangwanli.Benchmarks.dll) loaded side by side in one process, each in its own
/// <see cref="AssemblyLoadContext"/> with its own engine, timed in short alternating slices (A B B A ...), printing the
/// minimum and median CPU ns per decision of each and the median of the per-round ratios B / A.
/// </summary>
/// <remarks>
/// Why: on this shared 2-core VM the level drifts ±10–15 % between processes minutes apart, so two processes run one
/// after the other (bench/ab-decide-cpu.sh) could not resolve a 5–10 % change. Slices a fraction of a second apart see
/// the same machine, and the paired ratio cancels the drift. Both builds must contain <see cref="CreateLoop"/>.
/// </remarks>
internal static class DecisionAbMeasurement
{
    public static int Run(string[] args)
    {
        var at = Array.IndexOf(args, "--ab");
        var dirs = new[] { Path.GetFullPath(args[at + 1]), Path.GetFullPath(args[at + 2]) };
        var stage = Option(args, "--stage") ?? "decide";
        var rounds = int.Parse(Option(args, "--rounds") ?? "10", CultureInfo.InvariantCulture);
        var seconds = double.Parse(Option(args, "--seconds") ?? "0.5", CultureInfo.InvariantCulture);

        var loops = new Action<long>[2];
        for (var b = 0; b < 2; b++)
        {
            var context = new BuildLoadContext(dirs[b]);
            var assembly = context.LoadFromAssemblyPath(Path.Combine(dirs[b], "Jiangwanli.Benchmarks.dll"));
            var create = assembly.GetType(typeof(DecisionCpuMeasurement).FullName!)!.GetMethod(nameof(CreateLoop), BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                ?? throw new InvalidOperationException($"{dirs[b]}: this build has no {nameof(CreateLoop)}");
            loops[b] = (Action<long>)create.Invoke(null, [stage])!;
        }

        // Calibrate a slice's op count on A, then warm both (tiering, caches) before timing.
        var ops = Calibrate(loops[0], seconds);
        loops[0](ops);
        loops[1](ops);
        var perOp = new[] { new List<double>(), new List<double>() };
        var ratios = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var r = 0; r < rounds; r++)
        {
            var pair = new double[2];
            var order = r % 2 == 0 ? new[] { 0, 1 } : new[] { 1, 0 };
            foreach (var b in order)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                loops[b](ops);
                process.Refresh();
                pair[b] = (process.TotalProcessorTime - cpu0).TotalNanoseconds / ops;
                perOp[b].Add(pair[b]);
            }

            ratios.Add(pair[1] / pair[0]);
        }

        Console.WriteLine($"stage {stage}, {rounds} rounds of {ops:N0} ops per build, alternating");
        Console.WriteLine($"A {dirs[0]}: min {perOp[0].Min():F0}  median {Median(perOp[0]):F0} ns");
        Console.WriteLine($"B {dirs[1]}: min {perOp[1].Min():F0}  median {Median(perOp[1]):F0} ns");
        Console.WriteLine($"B/A per round: median {Median(ratios):F3}  min {ratios.Min():F3}  max {ratios.Max():F3}");
        return 0;
    }

    /// <summary>A warmed-up engine over the benchmark workload; each call runs that many operations of the stage.</summary>
    /// <remarks>Called by <see cref="Run"/> through reflection, in each build's own load context.</remarks>
    public static Action<long> CreateLoop(string stage) => DecisionCpuMeasurement.CreateLoop(stage);

    private static long Calibrate(Action<long> loop, double seconds)
    {
        var ops = 4_096L;
        while (true)
        {
            var wall = Stopwatch.StartNew();
            loop(ops);
            if (wall.Elapsed.TotalSeconds >= seconds / 4)
            {
                return (long)(ops * seconds / wall.Elapsed.TotalSeconds);
            }

            ops *= 2;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Resolves a build's own assemblies from its folder; the framework comes from the default context.</summary>
    private sealed class BuildLoadContext(string directory) : AssemblyLoadContext($"build:{directory}")
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
