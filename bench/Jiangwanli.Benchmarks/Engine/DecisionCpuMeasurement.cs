using System.Diagnostics;
using System.Globalization;
using Jiangwanli.Engine.Decisions;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// <c>--decide-cpu [--seconds S] [--rounds R] [--stage read|features|decide|hot] [--hot-events N]</c>: the decision benchmark's workload timed by the process's CPU time as
/// well as by the wall clock, per stage (read; read + features; whole decision; the hot-key floor).
/// </summary>
/// <remarks>
/// Why beside BenchmarkDotNet: on a 2-core machine shared with builds, wall time per operation is inflated by every
/// moment the thread is descheduled; CPU time is not (it still carries cache interference). Both are printed, side by
/// side, so a reader can see how loaded the machine was. One thread does all the work, so process CPU ≈ its CPU.
/// </remarks>
internal static class DecisionCpuMeasurement
{
    public static bool TryRun(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (!args.Contains("--decide-cpu"))
        {
            return false;
        }

        if (args.Contains("--ab"))
        {
            exitCode = DecisionAbMeasurement.Run(args);
            return true;
        }

        var only = Array.IndexOf(args, "--stage") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        if (only is not (null or "read" or "features" or "decide" or "hot"))
        {
            // readN and hotN exist only in the --ab harness (CreateLoop); here the hot set's size is --hot-events.
            Console.Error.WriteLine($"unknown stage '{only}': read | features | decide | hot (readN, hotN and pooled with --ab)");
            exitCode = 2;
            return true;
        }

        var seconds = Option(args, "--seconds", 5.0); // fractional seconds allowed (an int default truncated 0.5 to 0)
        var rounds = Option(args, "--rounds", 3);
        var hotEvents = Option(args, "--hot-events", 1_024);
        var engine = BenchPacks.Engine(BenchPacks.Default());
        var events = BenchPacks.Events(200_000);
        foreach (var e in events)
        {
            Decide(engine, e);
        }

        Console.WriteLine("| stage | CPU ns/op | wall ns/op | ops |");
        Console.WriteLine("|---|---:|---:|---:|");
        for (var round = 0; round < rounds; round++)
        {
            if (only is null or "read")
            {
                Run("read only", seconds, events, (ctx, e) => ctx.Reader.TryRead(e, ctx, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), engine);
            }

            if (only is null or "features")
            {
                Run("read + 9 features", seconds, events, (ctx, e) => engine.ObserveOnly(e, ctx), engine);
            }

            if (only is null or "decide")
            {
                Run("decide (default pack)", seconds, events, (ctx, e) => engine.Decide(e, ctx), engine);
            }

            if (only is null or "hot")
            {
                Run($"decide, {hotEvents:N0} hot events", seconds, events.AsSpan(0, hotEvents).ToArray(), (ctx, e) => engine.Decide(e, ctx), engine);
            }
        }

        return true;
    }

    /// <summary>
    /// The engine and workload of one stage, warmed up like <see cref="TryRun"/>'s; each call of the result runs that
    /// many operations, continuing through the events (see <see cref="DecisionAbMeasurement"/>).
    /// </summary>
    internal static Action<long> CreateLoop(string stage)
    {
        var engine = BenchPacks.Engine(BenchPacks.Default());
        var events = BenchPacks.Events(200_000);
        foreach (var e in events)
        {
            Decide(engine, e);
        }

        Func<Jiangwanli.Engine.Events.DecisionContext, byte[], bool> step = stage switch
        {
            _ when stage.StartsWith("read", StringComparison.Ordinal) => (ctx, e) => ctx.Reader.TryRead(e, ctx, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            "features" => (ctx, e) => engine.ObserveOnly(e, ctx),
            "decide" => (ctx, e) => engine.Decide(e, ctx),

            // A context rented and returned around each decision, as DecisionBenchmarks and the server do.
            "pooled" => (_, e) => Decide(engine, e),
            _ when stage.StartsWith("hot", StringComparison.Ordinal) => (ctx, e) => engine.Decide(e, ctx),
            _ => throw new ArgumentException($"unknown stage {stage}", nameof(stage)),
        };
        if (stage.StartsWith("hot", StringComparison.Ordinal) || (stage.StartsWith("read", StringComparison.Ordinal) && stage.Length > 4))
        {
            // "hot" cycles over the first 1,024 events (keys mostly cache-warm); "hot16" over 16 (all in cache: compute
            // only); "read16" reads the first 16 over and over (so the branches of one event's shape are learnt).
            var digits = stage.AsSpan(stage.StartsWith("hot", StringComparison.Ordinal) ? 3 : 4);
            var count = digits.IsEmpty ? 1_024 : int.Parse(digits, CultureInfo.InvariantCulture);
            events = events.AsSpan(0, count).ToArray();
        }

        var context = engine.Rent();
        var next = 0;
        return ops =>
        {
            for (var i = 0L; i < ops; i++)
            {
                step(context, events[next]);
                next = next + 1 == events.Length ? 0 : next + 1;
            }
        };
    }

    private static void Run(string stage, double seconds, byte[][] events, Func<Jiangwanli.Engine.Events.DecisionContext, byte[], bool> step, DecisionEngine engine)
    {
        var process = Process.GetCurrentProcess();
        var context = engine.Rent();
        if (!step(context, events[0]))
        {
            throw new InvalidOperationException($"{stage}: the first event is refused ({context.Error.Message}); the measurement would time a failure path");
        }

        var next = 0;
        long ops = 0;
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        while (wall.Elapsed < deadline)
        {
            for (var i = 0; i < 4_096; i++)
            {
                step(context, events[next]);
                next = next + 1 == events.Length ? 0 : next + 1;
            }

            ops += 4_096;
        }

        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpu0;
        engine.Return(context);
        Console.WriteLine($"| {stage} | {cpu.TotalNanoseconds / ops:F0} | {wall.Elapsed.TotalNanoseconds / ops:F0} | {ops:N0} |");
    }

    /// <summary>One decision in a context rented for it and returned after it.</summary>
    private static bool Decide(DecisionEngine engine, byte[] json)
    {
        var context = engine.Rent();
        var decided = engine.Decide(json, context);
        engine.Return(context);
        return decided;
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    private static int Option(string[] args, string name, int fallback) => (int)Option(args, name, (double)fallback);
}
