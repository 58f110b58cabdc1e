using BenchmarkDotNet.Attributes;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Packs;

namespace Jiangwanli.Benchmarks.Engine;

/// <summary>
/// Bytes of one event → decision on the default pack, one thread, steady state (every key already seen).
/// Target: ≥ 500,000 decisions/s (≤ 2 µs each) and 0 B allocated per decision.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private const int Batch = 1024;
    private DecisionEngine _engine = null!;
    private byte[][] _events = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _engine = BenchPacks.Engine(BenchPacks.Default());
        _events = BenchPacks.Events(200_000);

        // Warm every key and window so the measured loop is steady state.
        foreach (var e in _events)
        {
            Decide(e);
        }
    }

    /// <summary>Read the JSON event, update and read 9 feature windows, evaluate 16 rules, score.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int DecideDefaultPack()
    {
        var score = 0;
        var events = _events;
        for (var i = 0; i < Batch; i++)
        {
            score += Decide(events[_next]);
            _next = _next + 1 == events.Length ? 0 : _next + 1;
        }

        return score;
    }

    /// <summary>
    /// The same decision cycling over only the first 1,024 events (a few hundred keys, all in cache): the compute floor.
    /// The gap to <see cref="DecideDefaultPack"/> is what the 400,000 live windows cost in cache misses.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int DecideHotKeys()
    {
        var score = 0;
        var events = _events;
        for (var i = 0; i < Batch; i++)
        {
            score += Decide(events[i]);
        }

        return score;
    }

    /// <summary>Stage 1 alone: the JSON event read into the context (schema slots, entity keys).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReadEventOnly()
    {
        var ok = 0;
        var events = _events;
        var ctx = _engine.Rent();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(); // the events are stamped near now: an old clock refuses them
        for (var i = 0; i < Batch; i++)
        {
            ok += ctx.Reader.TryRead(events[_next], ctx, now) ? 1 : 0;
            _next = _next + 1 == events.Length ? 0 : _next + 1;
        }

        _engine.Return(ctx);
        return ok;
    }

    /// <summary>Stages 1 and 2: read, then update and read the 9 feature windows (no rules).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReadAndObserveFeatures()
    {
        var ok = 0;
        var events = _events;
        var ctx = _engine.Rent();
        for (var i = 0; i < Batch; i++)
        {
            ok += _engine.ObserveOnly(events[_next], ctx) ? 1 : 0;
            _next = _next + 1 == events.Length ? 0 : _next + 1;
        }

        _engine.Return(ctx);
        return ok;
    }

    private int Decide(byte[] json)
    {
        var ctx = _engine.Rent();
        _engine.Decide(json, ctx);
        var score = ctx.Score;
        _engine.Return(ctx);
        return score;
    }
}
