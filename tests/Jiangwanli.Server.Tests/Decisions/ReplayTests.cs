using System.Buffers;
using System.Text.Json;
using Jiangwanli.Audit;
using Jiangwanli.Engine.Decisions;
using Jiangwanli.Engine.Features;
using Jiangwanli.Engine.Packs;
using Jiangwanli.Engine.Workload;
using Jiangwanli.Server.Tests.Infrastructure;

namespace Jiangwanli.Server.Tests.Decisions;

/// <summary>
/// The audit log's promise (issue 4): a record holds enough to replay its decision. Decide generated events with the
/// default pack into a real <see cref="AuditLog"/>, read the log back, feed every record's event in order through a
/// fresh engine with the same pack, and get the same decision, score, rules and feature values. Events carry their
/// own timestamps, so the windows do not depend on the wall clock.
/// </summary>
public sealed class ReplayTests : IDisposable
{
    private const int Events = 3000;

    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Replay_LogThroughFreshEngineWithSamePack_ReproducesEveryDecision()
    {
        var pack = LoadDefaultPack();
        var directory = _folder.Combine("audit");

        // 1. Decide and log. Few entities, so the windows actually fill up (counts, sums, distincts above 1).
        var original = NewEngine(pack);
        var written = 0;
        await using (var log = AuditLog.Open(new AuditLogOptions { Directory = directory, Durability = AuditDurability.Batch, SegmentBytes = 1L << 20, MaxPayloadBytes = 64 << 10 }))
        {
            using var generator = new EventGenerator(new EventGeneratorOptions { Seed = 7, Users = 40, Devices = 30, Ips = 30, Cards = 50, MeanGapMs = 20_000 });
            var payload = new ArrayBufferWriter<byte>(4096);
            var context = original.Rent();
            try
            {
                for (var i = 0; i < Events; i++)
                {
                    var eventJson = generator.Next().ToArray();
                    if (!original.Decide(eventJson, context))
                    {
                        continue;
                    }

                    payload.ResetWrittenCount();
                    DecisionJsonWriter.WriteAuditRecord(context, eventJson, payload);
                    var ack = await log.AppendAsync(payload.WrittenSpan);
                    Assert.True(ack.IsWritten, $"append {i}: {ack}");
                    written++;
                }
            }
            finally
            {
                original.Return(context);
            }
        }

        Assert.True(written > Events / 2, $"only {written} of {Events} generated events were decided");

        // 2. Replay through a fresh engine, in log order.
        var fresh = NewEngine(pack);
        var replayContext = fresh.Rent();
        var replayed = 0;
        var decisions = new HashSet<string>(StringComparer.Ordinal);
        var maxFeature = 0.0;
        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            using var reader = AuditReader.Open(directory);
            while (reader.TryRead(out var record))
            {
                using var recorded = JsonDocument.Parse(record.Payload);
                var root = recorded.RootElement;
                var eventJson = System.Text.Encoding.UTF8.GetBytes(root.GetProperty("event").GetRawText());
                Assert.True(fresh.Decide(eventJson, replayContext), $"record {record.Sequence}: the fresh engine refused the logged event {root.GetProperty("event").GetRawText()}");
                buffer.ResetWrittenCount();
                DecisionJsonWriter.WriteAuditRecord(replayContext, eventJson, buffer);
                using var again = JsonDocument.Parse(buffer.WrittenMemory);
                var now = again.RootElement;

                foreach (var field in (string[])["ts", "pack", "decision", "score", "rules"])
                {
                    var expected = root.GetProperty(field).GetRawText();
                    var actual = now.GetProperty(field).GetRawText();
                    Assert.True(expected == actual, $"record {record.Sequence}: '{field}' was {expected} when logged, {actual} on replay\nlogged: {root.GetRawText()}");
                }

                foreach (var feature in root.GetProperty("features").EnumerateObject())
                {
                    var actual = now.GetProperty("features").GetProperty(feature.Name);
                    Assert.True(feature.Value.GetRawText() == actual.GetRawText(), $"record {record.Sequence}: feature {feature.Name} was {feature.Value.GetRawText()} when logged, {actual.GetRawText()} on replay");
                    if (feature.Value.ValueKind == JsonValueKind.Number && feature.Name.EndsWith("_1h", StringComparison.Ordinal))
                    {
                        maxFeature = Math.Max(maxFeature, feature.Value.GetDouble());
                    }
                }

                Assert.Equal(root.GetProperty("features").EnumerateObject().Count(), now.GetProperty("features").EnumerateObject().Count());
                decisions.Add(root.GetProperty("decision").GetString()!);
                replayed++;
            }
        }
        finally
        {
            fresh.Return(replayContext);
        }

        Assert.Equal(written, replayed);

        // The property is only worth something if the stream exercised the windows and more than one outcome.
        Assert.True(decisions.Count >= 2, $"every decision was {string.Join(",", decisions)}; the stream does not exercise the rules");
        Assert.True(maxFeature > 1, $"no 1h window counted above {maxFeature}; the stream does not exercise the windows");
    }

    private static RulePack LoadDefaultPack()
    {
        var result = RulePackLoader.LoadFile(TestPacks.DefaultPackPath);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Pack;
    }

    private static DecisionEngine NewEngine(RulePack pack)
        => new(pack, new InMemoryFeatureStore(new FeatureStoreOptions(), TimeProvider.System), TimeProvider.System);
}
