using System.Text;
using BenchmarkDotNet.Attributes;
using Jiangwanli.Engine;
using Jiangwanli.Engine.Events;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Schema;

namespace Jiangwanli.Benchmarks.Features;

/// <summary>Shared fixture: a tiny schema and pre-filled decision contexts (no JSON reading in these numbers).</summary>
internal static class FeatureBench
{
    public static readonly EventSchema Schema = new(
    [
        ("user", FieldType.String, true, null),
        ("amount", FieldType.Number, false, null),
        ("merchant", FieldType.String, false, null),
    ]);

    public static SchemaField Field(string name) => Schema.TryGetField(name, out var field) ? field : throw new InvalidOperationException(name);

    public static FeatureDefinition Define(int index, FeatureKind kind, TimeSpan window) => new(
        $"f{index}",
        index,
        kind,
        Field("user"),
        kind switch
        {
            FeatureKind.Count => null,
            FeatureKind.Distinct => Field("merchant"),
            _ => Field("amount"),
        },
        window);

    public static DecisionContext Context(int featureCount, int user, double amount, int merchant, long timestamp)
    {
        var context = new DecisionContext(Schema, featureCount, 0);
        context.Reset();
        context.TimestampMs = timestamp;
        var userField = Field("user");
        context.Present[userField.Index] = true;
        context.EntityKeys[userField.EntityIndex] = StableHash.Mix((ulong)user + 1);
        var amountField = Field("amount");
        context.Present[amountField.Index] = true;
        context.Numbers[amountField.Slot] = amount;
        var merchantField = Field("merchant");
        var text = Encoding.UTF8.GetBytes($"merchant-{merchant}");
        context.StringOffsets[merchantField.Slot] = context.AppendText(text);
        context.StringLengths[merchantField.Slot] = text.Length;
        context.Present[merchantField.Index] = true;
        return context;
    }
}

/// <summary>
/// Cost of one feature update + read (one <see cref="InMemoryFeatureStore.Observe"/> of one feature), per kind, on
/// 4,096 events over a warm key set; time moves forward 50 ms per event so windows slide and buckets roll. One
/// context is reused, as a pooled context is per request: each event only rewrites its entity key, amount and
/// merchant slot. <c>SixFeatures</c> observes count 1h + sum 24h + min 1m + max 1h + avg 24h + distinct 24h in one
/// call (divide by six for a per-feature figure).
/// </summary>
[MemoryDiagnoser]
public class FeatureStoreObserveBenchmarks
{
    private const int Events = 4_096;

    private InMemoryFeatureStore _store = null!;
    private FeatureDefinition[] _features = null!;
    private DecisionContext _context = null!;
    private ulong[] _users = null!;
    private double[] _amounts = null!;
    private int[] _merchantOffsets = null!;
    private int[] _merchantLengths = null!;
    private int _userIndex;
    private int _amountSlot;
    private int _merchantSlot;

    /// <summary>The workload measured.</summary>
    public enum Workload
    {
        Count,
        Sum,
        Min,
        Max,
        Avg,
        DistinctExact,
        DistinctSketch,
        SixFeatures,
    }

    [Params(Workload.Count, Workload.Sum, Workload.Min, Workload.Max, Workload.Avg, Workload.DistinctExact, Workload.DistinctSketch, Workload.SixFeatures)]
    public Workload Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var hour = TimeSpan.FromHours(1);
        _features = Kind switch
        {
            Workload.Count => [FeatureBench.Define(0, FeatureKind.Count, hour)],
            Workload.Sum => [FeatureBench.Define(0, FeatureKind.Sum, hour)],
            Workload.Min => [FeatureBench.Define(0, FeatureKind.Min, hour)],
            Workload.Max => [FeatureBench.Define(0, FeatureKind.Max, hour)],
            Workload.Avg => [FeatureBench.Define(0, FeatureKind.Avg, hour)],
            Workload.DistinctExact or Workload.DistinctSketch => [FeatureBench.Define(0, FeatureKind.Distinct, hour)],
            _ =>
            [
                FeatureBench.Define(0, FeatureKind.Count, hour),
                FeatureBench.Define(1, FeatureKind.Sum, TimeSpan.FromHours(24)),
                FeatureBench.Define(2, FeatureKind.Min, TimeSpan.FromMinutes(1)),
                FeatureBench.Define(3, FeatureKind.Max, hour),
                FeatureBench.Define(4, FeatureKind.Avg, TimeSpan.FromHours(24)),
                FeatureBench.Define(5, FeatureKind.Distinct, TimeSpan.FromHours(24)),
            ],
        };

        _context = FeatureBench.Context(_features.Length, 0, 0, 0, 1_700_000_000_000);
        _userIndex = FeatureBench.Field("user").EntityIndex;
        _amountSlot = FeatureBench.Field("amount").Slot;
        _merchantSlot = FeatureBench.Field("merchant").Slot;

        // Exact distinct: 1,024 users with 4 merchants each. Sketch: 16 users with 256 merchants each (> 64: sketched).
        var users = Kind == Workload.DistinctSketch ? 16 : 1_024;
        var merchants = new (int Offset, int Length)[256];
        for (var m = 0; m < merchants.Length; m++)
        {
            var text = Encoding.UTF8.GetBytes($"merchant-{m}");
            merchants[m] = (_context.AppendText(text), text.Length);
        }

        _users = new ulong[Events];
        _amounts = new double[Events];
        _merchantOffsets = new int[Events];
        _merchantLengths = new int[Events];
        var random = new Random(7);
        for (var i = 0; i < Events; i++)
        {
            _users[i] = StableHash.Mix((ulong)(i % users) + 1);
            _amounts[i] = random.Next(1, 10_000) / 100.0;
            (_merchantOffsets[i], _merchantLengths[i]) = merchants[Kind == Workload.DistinctSketch ? i / users : i % 4];
        }

        _store = new InMemoryFeatureStore(new FeatureStoreOptions());
        Observe();
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public void Observe()
    {
        var features = _features;
        var context = _context;
        for (var i = 0; i < Events; i++)
        {
            context.EntityKeys[_userIndex] = _users[i];
            context.Numbers[_amountSlot] = _amounts[i];
            context.StringOffsets[_merchantSlot] = _merchantOffsets[i];
            context.StringLengths[_merchantSlot] = _merchantLengths[i];
            context.TimestampMs += 50;
            _store.Observe(features, context);
        }
    }
}

/// <summary>
/// Memory for 1,000,000 distinct users in a 24 h count window. Allocated per operation = bytes allocated per key
/// (including transient growth of the hash index); the retained heap per key is printed by the setup.
/// </summary>
[MemoryDiagnoser]
public class FeatureStoreMemoryBenchmarks
{
    private const int Users = 1_000_000;

    private FeatureDefinition[] _features = null!;
    private DecisionContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _features = [FeatureBench.Define(0, FeatureKind.Count, TimeSpan.FromHours(24))];
        _context = FeatureBench.Context(1, 0, 1, 0, 1_700_000_000_000);

        var before = Retained();
        var store = Fill();
        var after = Retained();
        Console.WriteLine($"// retained: {(after - before) / (double)Users:F1} bytes per (user, feature) over {store.TrackedKeys:N0} keys; store estimate {store.EstimatedBytes / (double)Users:F1} bytes per key");
        GC.KeepAlive(store);
    }

    [Benchmark(OperationsPerInvoke = Users)]
    public long Fill1MUsers24hCount() => Fill().TrackedKeys;

    /// <summary>
    /// The GC heap plus the slab chunks rented from the native <see cref="ChunkArena"/> (huge pages). A grown slab's
    /// old chunks go back to the arena from its finalizer, so finalizers run before the count.
    /// </summary>
    private static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true) + ChunkArena.RentedBytes;
    }

    private InMemoryFeatureStore Fill()
    {
        var store = new InMemoryFeatureStore(new FeatureStoreOptions());
        var userField = FeatureBench.Field("user");
        for (var user = 0; user < Users; user++)
        {
            _context.EntityKeys[userField.EntityIndex] = StableHash.Mix((ulong)user + 1);
            store.Observe(_features, _context);
        }

        return store;
    }
}
