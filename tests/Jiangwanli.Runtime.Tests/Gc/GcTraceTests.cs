using Jiangwanli.Runtime.Gc;
using Jiangwanli.Runtime.Tests.Support;

namespace Jiangwanli.Runtime.Tests.Gc;

[Collection(ProcessWideCollection.Name)]
public sealed class GcTraceTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task GcTrace_InducedGc_WritesOneLineWithTheGeneration(int generation)
    {
        using var feed = new GcEventFeed();
        using var output = new LineWriter();
        using var trace = new GcTrace(output, feed);
        await GcFeedWarmUp.UntilLiveAsync(feed);
        var before = GC.GetGCMemoryInfo(GCKind.Any).Index;
        var seen = new TaskCompletionSource<GcRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = feed.Subscribe(r =>
        {
            if (r.Index > before && r.Reason == GcReason.Induced)
            {
                seen.TrySetResult(r);
            }
        });

        // The GC may condemn more than asked for (a full gen1 budget turns a gen0 request into a
        // gen1 GC); the collection counters say what it really did.
        var counts = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        GC.Collect(generation, GCCollectionMode.Forced, blocking: true);
        var collected = Enumerable.Range(0, 3).Last(g => GC.CollectionCount(g) > counts[g]);
        var record = await Eventually.WithinBound(seen.Task);

        Assert.InRange(collected, generation, 2);
        Assert.Equal(collected, record.Generation);
        Assert.Equal(GcKind.Blocking, record.Kind);
        Assert.True(record.Pause > TimeSpan.Zero);
        Assert.True(record.Suspension > TimeSpan.Zero, "the suspension part of the pause (SuspendEEBegin -> SuspendEEEnd)");
        Assert.True(record.HeapAfterBytes > 0);
        Assert.True(record.LimitBytes > 0);

        // The trace subscribed first, so its line for this GC is already written.
        var lines = output.Lines
            .Where(l => l.StartsWith($"gc {record.Index} ", StringComparison.Ordinal))
            .ToList();
        var line = Assert.Single(lines);
        Assert.Contains($" gen{collected} Induced blocking", line, StringComparison.Ordinal);
        Assert.Matches(@"pause \d+\.\d{3} ms \(suspend \d+\.\d{3}\), heap (\d+\.\d{2}|\?) -> \d+\.\d{2} MB, ", line);
        Assert.Contains(" limit ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_KnownRecord_ProducesTheDocumentedLine()
    {
        var record = new GcRecord
        {
            Index = 42,
            Generation = 1,
            Reason = GcReason.AllocSmall,
            Kind = GcKind.Blocking,
            Compacted = true,
            StartedAt = DateTimeOffset.UnixEpoch, // before the process started: clamps to @0.000s
            Pause = TimeSpan.FromMicroseconds(842),
            Suspension = TimeSpan.FromMicroseconds(51),
            HeapBeforeBytes = 48L * 1024 * 1024,
            HeapAfterBytes = 12L * 1024 * 1024,
            PromotedBytes = 3L * 1024 * 1024,
            CommittedBytes = 64L * 1024 * 1024,
            FragmentedBytes = 0,
            LimitBytes = 1024L * 1024 * 1024,
            PauseTimePercentage = 0.31,
        };

        Assert.Equal(
            "gc 42 @0.000s gen1 AllocSmall blocking compacted: pause 0.842 ms (suspend 0.051), heap 48.00 -> 12.00 MB, promoted 3.00 MB, committed 64.00 MB, limit 1024.00 MB, 0.31% paused",
            GcTrace.Format(record));
    }

    [Fact]
    public void Format_UnknownSizes_PrintsQuestionMarks()
    {
        var record = new GcRecord
        {
            Index = 7,
            Generation = 2,
            Reason = GcReason.Induced,
            Kind = GcKind.Background,
            StartedAt = DateTimeOffset.UnixEpoch,
            Pause = TimeSpan.FromMilliseconds(1.5),
            HeapBeforeBytes = -1,
            HeapAfterBytes = 1024 * 1024,
            PromotedBytes = -1,
            CommittedBytes = -1,
            LimitBytes = -1,
            PauseTimePercentage = -1,
        };

        Assert.Equal(
            "gc 7 @0.000s gen2 Induced background: pause 1.500 ms (suspend 0.000), heap ? -> 1.00 MB, promoted ? MB, committed ? MB, limit ? MB, ?% paused",
            GcTrace.Format(record));
    }

    [Fact]
    public void IsEnabledByEnvironment_ReadsJwlGcTrace()
    {
        var previous = Environment.GetEnvironmentVariable(GcTrace.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(GcTrace.EnvironmentVariable, "1");
            Assert.True(GcTrace.IsEnabledByEnvironment());
            Environment.SetEnvironmentVariable(GcTrace.EnvironmentVariable, "0");
            Assert.False(GcTrace.IsEnabledByEnvironment());
            Environment.SetEnvironmentVariable(GcTrace.EnvironmentVariable, null);
            Assert.False(GcTrace.IsEnabledByEnvironment());
        }
        finally
        {
            Environment.SetEnvironmentVariable(GcTrace.EnvironmentVariable, previous);
        }
    }
}
