using System.Buffers;
using System.Text;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Workload;

namespace Jiangwanli.Engine.Tests.Decisions;

public class DecisionEngineTests
{
    private static List<byte[]> Workload(int count, int users)
    {
        using var generator = new EventGenerator(new EventGeneratorOptions { Seed = 7, Users = users, Devices = users, Ips = users, Cards = users });
        var events = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            events.Add(generator.Next().ToArray());
        }

        return events;
    }

    [Fact]
    public void Decide_ConcurrentThreadsOnSharedKeys_EndWithSerialTotals()
    {
        var events = Workload(20_000, 50);
        var pack = TestPacks.Default();
        var serial = TestPacks.Engine(pack);
        var parallel = TestPacks.Engine(pack);

        foreach (var e in events)
        {
            Decide(serial, e);
        }

        var threads = Environment.ProcessorCount * 2;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (var i = t; i < events.Count; i += threads)
            {
                Decide(parallel, events[i]);
            }
        });

        // Sums are compared rounded: floating-point addition in another order differs in the last bits.
        // A probe per user just after the last event reads every window without adding to the others.
        var last = 0L;
        foreach (var e in events)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(e);
            last = Math.Max(last, doc.RootElement.GetProperty("timestamp").GetInt64());
        }

        for (var u = 0; u < 50; u++)
        {
            var probe = Encoding.UTF8.GetBytes($$"""{"timestamp":{{last + 1}},"user":"u{{u}}","device":"d{{u}}","ip":"10.0.0.{{u}}","card":"card_tok_{{u}}","amount":1}""");
            Assert.Equal(Features(serial, probe), Features(parallel, probe));
        }
    }

    [Fact]
    public void Decide_SteadyState_AllocatesNothing()
    {
        var events = Workload(2_000, 500);
        var engine = TestPacks.Engine(TestPacks.Default());
        var output = new ArrayBufferWriter<byte>(4096);
        for (var round = 0; round < 2; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var e in events)
            {
                var ctx = engine.Rent();
                Assert.True(engine.Decide(e, ctx));
                output.ResetWrittenCount();
                DecisionJsonWriter.WriteResponse(ctx, output, 1, ctx.EvaluationMicros);
                output.ResetWrittenCount();
                DecisionJsonWriter.WriteAuditRecord(ctx, e, output);
                engine.Return(ctx);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (round == 1)
            {
                // Second pass: every key exists, pools are warm.
                Assert.Equal(0, allocated);
            }
        }
    }

    [Fact]
    public void Swap_NewPack_NextRentUsesItAndKeepsUnchangedWindows()
    {
        var pack = TestPacks.Default();
        var engine = TestPacks.Engine(pack);
        var json = Encoding.UTF8.GetBytes("""{"timestamp":1764115200000,"user":"sw","amount":1}""");
        Decide(engine, json);

        var source = File.ReadAllText(TestPacks.DefaultPackPath).Replace("version: 2026.11.26-1", "version: swapped", StringComparison.Ordinal);
        var next = Jiangwanli.Engine.Packs.RulePackLoader.Load(source, Path.GetDirectoryName(TestPacks.DefaultPackPath));
        Assert.True(next.Success, string.Join("\n", next.Errors));
        engine.Swap(next.Pack!);

        var ctx = engine.Rent();
        Assert.Same(next.Pack, ctx.Pack);
        Assert.True(engine.Decide(json, ctx));
        var index = next.Pack!.Features.First(f => f.Name == "user_txn_1h").Index;
        Assert.Equal(2, ctx.GetFeature(index));
        engine.Return(ctx);
    }

    [Fact]
    public void Decide_BadEvent_ReturnsErrorWithoutTouchingWindows()
    {
        var engine = TestPacks.Engine(TestPacks.Default());
        var ctx = engine.Rent();

        Assert.False(engine.Decide("""{"user":"x","amount":"lots"}"""u8, ctx));
        Assert.Equal("amount", ctx.Error.Field);
        engine.Return(ctx);

        var ok = engine.Rent();
        Assert.True(engine.Decide("""{"user":"x","amount":1}"""u8, ok));
        Assert.Equal(1, ok.GetFeature(ok.Pack.Features.First(f => f.Name == "user_txn_1h").Index));
        engine.Return(ok);
    }

    private static void Decide(DecisionEngine engine, byte[] json)
    {
        var ctx = engine.Rent();
        Assert.True(engine.Decide(json, ctx), ctx.Error.ToString());
        engine.Return(ctx);
    }

    private static string Features(DecisionEngine engine, byte[] probe)
    {
        var ctx = engine.Rent();
        Assert.True(engine.Decide(probe, ctx));
        var sb = new StringBuilder();
        for (var i = 0; i < ctx.Pack.Features.Count; i++)
        {
            sb.Append(ctx.Pack.Features[i].Name).Append('=').Append(ctx.HasFeature(i) ? Math.Round(ctx.GetFeature(i), 6).ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "-").Append(';');
        }

        engine.Return(ctx);
        return sb.ToString();
    }
}
