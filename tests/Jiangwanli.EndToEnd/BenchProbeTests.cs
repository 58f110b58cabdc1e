using Jiangwanli.Cli.Bench;
using Jiangwanli.EndToEnd.Infrastructure;

namespace Jiangwanli.EndToEnd;

/// <summary>
/// <c>jwl bench</c>'s server probe against the real process: the window's GC figures and the server's own decision
/// latency, read from its management port the way a bench run reads them.
/// </summary>
[Collection(SharedServerCollection.Name)]
public sealed class BenchProbeTests(SharedServer fixture)
{
    private readonly JwlServer _server = fixture.Server;

    [Fact]
    public async Task Probe_DecisionsInTheWindow_AreInTheServersLatencyHistogram()
    {
        const int Decisions = 40;
        var probe = new ServerStatsProbe(new Uri($"http://127.0.0.1:{_server.ManagementPort}"), _server.Pid, JwlServer.Token);
        await using (probe)
        {
            probe.Start();
            var before = (await probe.SampleAsync(withHistogram: true))?.DecisionLatency?.Count ?? 0;
            probe.MarkStart();
            for (var i = 0; i < Decisions; i++)
            {
                using var response = await _server.DecideAsync($$"""{"user":"probe-{{i % 7}}","amount":{{i}},"ip":"198.51.100.{{i % 50}}"}""");
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            }

            // The exporter serves a scrape from a cache for up to 300 ms: wait (bounded) until /metrics shows our
            // decisions, as the end of any real run (seconds long) does.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while ((await probe.SampleAsync(withHistogram: true))?.DecisionLatency?.Count < before + Decisions && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            probe.MarkEnd();
            var stats = await probe.ResultAsync();

            // Other tests share this server, so at least ours; every decision is below +Inf, and the bounds are the server's.
            Assert.NotNull(stats.DecisionLatency);
            Assert.InRange(stats.DecisionLatency.Count, Decisions, long.MaxValue);
            Assert.Equal(double.PositiveInfinity, stats.DecisionLatency.UpperBounds[^1]);
            Assert.True(stats.DecisionLatency.PercentileUpperBound(99) is { } p99 && p99 > 0);
            Assert.NotNull(stats.PeakMemoryBytes);
        }
    }
}
