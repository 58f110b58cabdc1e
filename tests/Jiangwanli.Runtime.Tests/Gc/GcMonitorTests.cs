using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Gc;
using Jiangwanli.Runtime.Tests.Support;

namespace Jiangwanli.Runtime.Tests.Gc;

public sealed class GcMonitorTests
{
    private const long Mb = 1024 * 1024;

    [Fact]
    public void Evaluate_HeapAboveRatioThenBelow_FiresThenResolves()
    {
        var time = new ManualTimeProvider();
        var source = new FakeGcStats { Limit = 1000 * Mb, Committed = 900 * Mb };
        var observer = new RecordingObserver();
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(null, feed, observer, time, null, source, predictor: null);

        monitor.Evaluate();
        var firing = Assert.Single(observer.Alerts);
        Assert.Equal("JwlGcHeapNearLimit", firing.Name);
        Assert.Equal(AlertState.Firing, firing.State);
        Assert.Equal(0.9, firing.Value, 6);
        Assert.Equal(0.8, firing.Threshold, 6);
        Assert.Single(monitor.ActiveAlerts);

        time.Advance(TimeSpan.FromSeconds(1));
        monitor.Evaluate();
        Assert.Single(observer.Alerts); // still firing: no new transition

        source.Committed = 100 * Mb;
        time.Advance(TimeSpan.FromSeconds(1));
        monitor.Evaluate();
        Assert.Equal(2, observer.Alerts.Count);
        var resolved = observer.Alerts[1];
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(firing.StartsAt, resolved.StartsAt);
        Assert.Equal(time.GetUtcNow(), resolved.EndsAt);
        Assert.Empty(monitor.ActiveAlerts);
    }

    [Fact]
    public void Evaluate_ManyEphemeralGcsInWindow_FiresEphemeralRate()
    {
        var time = new ManualTimeProvider();
        var source = new FakeGcStats();
        var observer = new RecordingObserver();
        var options = new GcMonitorOptions();
        options.Rules.MaxEphemeralGcs = 50;
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(options, feed, observer, time, null, source, predictor: null);

        for (var second = 0; second < 12; second++)
        {
            monitor.Evaluate();
            source.Count0 += 4; // 40 ephemeral GCs per 10 s: under the limit
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.DoesNotContain(observer.Alerts, a => a.Name == "JwlGcEphemeralRateHigh");
        for (var second = 0; second < 12; second++)
        {
            monitor.Evaluate();
            source.Count0 += 8; // 80 per 10 s: over
            time.Advance(TimeSpan.FromSeconds(1));
        }

        var alert = Assert.Single(observer.Alerts, a => a.Name == "JwlGcEphemeralRateHigh");
        Assert.Equal(AlertState.Firing, alert.State);
        Assert.InRange(alert.Value, 51, 90);
    }

    [Fact]
    public void Evaluate_Gen2OnlyAfterWarmUp_Fires()
    {
        var time = new ManualTimeProvider();
        var source = new FakeGcStats();
        var observer = new RecordingObserver();
        var options = new GcMonitorOptions();
        options.Rules.SteadyStateAfter = TimeSpan.FromSeconds(30);
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(options, feed, observer, time, null, source, predictor: null);

        source.Count0 = source.Count1 = source.Count2 = 3; // gen2 GCs during warm-up are expected
        for (var second = 0; second < 31; second++)
        {
            monitor.Evaluate();
            time.Advance(TimeSpan.FromSeconds(1));
        }

        monitor.Evaluate();
        Assert.DoesNotContain(observer.Alerts, a => a.Name == "JwlGcGen2InSteadyState");

        source.Count0++;
        source.Count1++;
        source.Count2++;
        time.Advance(TimeSpan.FromSeconds(1));
        monitor.Evaluate();
        var alert = Assert.Single(observer.Alerts, a => a.Name == "JwlGcGen2InSteadyState");
        Assert.Equal(1, alert.Value);

        time.Advance(options.Rules.Gen2Window + TimeSpan.FromSeconds(2));
        monitor.Evaluate();
        Assert.Contains(observer.Alerts, a => a.Name == "JwlGcGen2InSteadyState" && a.State == AlertState.Resolved);
    }

    [Fact]
    public void Evaluate_PausesOverBudget_FiresP99()
    {
        var time = new ManualTimeProvider();
        var observer = new RecordingObserver();
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(null, feed, observer, time, null, new FakeGcStats(), predictor: null);

        for (var i = 0; i < 19; i++)
        {
            feed.Publish(Record(i, pauseMs: 30));
        }

        monitor.Evaluate();
        Assert.DoesNotContain(observer.Alerts, a => a.Name == "JwlGcPauseP99OverBudget"); // 19 < 20 pauses

        feed.Publish(Record(19, pauseMs: 30));
        monitor.Evaluate();
        var alert = Assert.Single(observer.Alerts, a => a.Name == "JwlGcPauseP99OverBudget");
        Assert.Equal(30, alert.Value, 6);
    }

    [Fact]
    public void Predictor_TrainsOnEphemeralGcsFromTheFeed()
    {
        var time = new ManualTimeProvider();
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(null, feed, new RecordingObserver(), time, null, new FakeGcStats(), predictor: null);

        for (var i = 0; i < 40; i++)
        {
            feed.Publish(Record(i, pauseMs: 2, generation: i % 2));
        }

        feed.Publish(Record(40, pauseMs: 500, generation: 2)); // full GCs are not training data
        Assert.Equal(39, monitor.PauseModel.Samples); // the first GC has no predecessor to learn from
        Assert.InRange(monitor.PredictedNextPause.TotalMilliseconds, 1.5, 2.5);
    }

    [Fact]
    public void WriteSnapshot_WritesTheDocumentedFields()
    {
        var time = new ManualTimeProvider();
        var source = new FakeGcStats { Count0 = 10, Count1 = 4, Count2 = 1, Limit = 1000 * Mb, Committed = 250 * Mb };
        using var feed = new GcEventFeed(listen: false);
        using var monitor = new GcMonitor(null, feed, new RecordingObserver(), time, null, source, predictor: null);
        feed.Publish(Record(1, pauseMs: 1));
        feed.Publish(Record(2, pauseMs: 3));
        monitor.Evaluate();

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            monitor.WriteSnapshot(writer);
        }

        using var json = JsonDocument.Parse(stream.ToArray());
        var root = json.RootElement;
        Assert.Equal(6, root.GetProperty("collections").GetProperty("gen0").GetInt64());
        Assert.Equal(3, root.GetProperty("collections").GetProperty("gen1").GetInt64());
        Assert.Equal(1, root.GetProperty("collections").GetProperty("gen2").GetInt64());
        Assert.Equal(10, root.GetProperty("collections").GetProperty("total").GetInt64());
        var pauses = root.GetProperty("pauses");
        Assert.Equal(2, pauses.GetProperty("count").GetInt32());
        Assert.Equal(1, pauses.GetProperty("p50Ms").GetDouble());
        Assert.Equal(3, pauses.GetProperty("p99Ms").GetDouble());
        Assert.Equal(2, pauses.GetProperty("recent").GetArrayLength());
        Assert.Equal(2, pauses.GetProperty("recent")[0].GetProperty("index").GetInt64()); // newest first
        Assert.Equal(0.25, root.GetProperty("memory").GetProperty("utilization").GetDouble());
        Assert.Equal(1000 * Mb, root.GetProperty("memory").GetProperty("limitBytes").GetInt64());
        Assert.True(root.GetProperty("heap").TryGetProperty("fragmentedBytes", out _));
        Assert.True(root.GetProperty("allocation").TryGetProperty("bytesPerSecond", out _));
        Assert.True(root.GetProperty("settings").TryGetProperty("latencyMode", out _));
        Assert.True(root.GetProperty("prediction").GetProperty("weights").TryGetProperty("liveHeap", out _));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("alerts").ValueKind);
    }

    [Fact]
    public async Task WriteSnapshot_RealProcess_IsValidJson()
    {
        await using var monitor = new GcMonitor();
        monitor.Evaluate();
        using var stream = new MemoryStream();
        await monitor.WriteSnapshotAsync(stream);
        using var json = JsonDocument.Parse(stream.ToArray());
        Assert.True(json.RootElement.GetProperty("memory").GetProperty("limitBytes").GetInt64() > 0);
        Assert.True(json.RootElement.GetProperty("allocation").GetProperty("totalBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Alertmanager_FiringThenResolved_PostsV2AlertArrays()
    {
        using var server = new AlertmanagerStub();
        var time = new ManualTimeProvider();
        var source = new FakeGcStats { Limit = 1000 * Mb, Committed = 900 * Mb };
        var options = new GcMonitorOptions();
        options.Alertmanager.Url = server.BaseUrl;
        options.Alertmanager.Instance = "jwl-test-0";
        options.Alertmanager.GeneratorUrl = new Uri("http://127.0.0.1:9100/debug/gc");
        options.Alertmanager.ExtraLabels["cluster"] = "test";
        await using var monitor = new GcMonitor(options, new GcEventFeed(listen: false), new RecordingObserver(), time, null, source, predictor: null);

        monitor.Evaluate();
        var firing = await Eventually.WithinBound(server.NextAsync());
        source.Committed = 100 * Mb;
        time.Advance(TimeSpan.FromSeconds(5));
        monitor.Evaluate();
        var resolved = await Eventually.WithinBound(server.NextAsync());

        Assert.Equal("/api/v2/alerts", firing.Path);
        Assert.Equal("POST", firing.Method);
        Assert.StartsWith("application/json", firing.ContentType, StringComparison.Ordinal);
        var start = time.GetUtcNow() - TimeSpan.FromSeconds(5);
        AssertAlert(firing.Body, "firing", start, time.GetUtcNow());
        AssertAlert(resolved.Body, "resolved", start, time.GetUtcNow());
    }

    private static void AssertAlert(string body, string state, DateTimeOffset startsAt, DateTimeOffset resolvedAt)
    {
        using var json = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        var alert = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(
            ["annotations", "endsAt", "generatorURL", "labels", "startsAt"],
            alert.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var labels = alert.GetProperty("labels");
        Assert.Equal("JwlGcHeapNearLimit", labels.GetProperty("alertname").GetString());
        Assert.Equal("warning", labels.GetProperty("severity").GetString());
        Assert.Equal("jwl-test-0", labels.GetProperty("instance").GetString());
        Assert.Equal("test", labels.GetProperty("cluster").GetString());
        Assert.All(labels.EnumerateObject(), l => Assert.Equal(JsonValueKind.String, l.Value.ValueKind));
        var annotations = alert.GetProperty("annotations");
        Assert.False(string.IsNullOrWhiteSpace(annotations.GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(annotations.GetProperty("description").GetString()));
        Assert.All(annotations.EnumerateObject(), a => Assert.Equal(JsonValueKind.String, a.Value.ValueKind));
        Assert.Equal("http://127.0.0.1:9100/debug/gc", alert.GetProperty("generatorURL").GetString());
        var starts = DateTimeOffset.Parse(alert.GetProperty("startsAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var ends = DateTimeOffset.Parse(alert.GetProperty("endsAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.EndsWith("Z", alert.GetProperty("startsAt").GetString(), StringComparison.Ordinal);
        Assert.Equal(startsAt, starts);
        if (state == "firing")
        {
            Assert.True(ends > resolvedAt, "a firing alert ends in the future");
        }
        else
        {
            Assert.Equal(resolvedAt, ends);
        }
    }

    private static GcRecord Record(long index, double pauseMs, int generation = 0) => new()
    {
        Index = index,
        Generation = generation,
        Reason = GcReason.AllocSmall,
        Kind = GcKind.Blocking,
        StartedAt = DateTimeOffset.UnixEpoch,
        Pause = TimeSpan.FromMilliseconds(pauseMs),
        HeapBeforeBytes = 20 * Mb,
        HeapAfterBytes = 10 * Mb,
        PromotedBytes = Mb,
        CommittedBytes = 32 * Mb,
        FragmentedBytes = 0,
        LimitBytes = 1000 * Mb,
        PauseTimePercentage = 0.1,
    };

    internal sealed class FakeGcStats : IGcStatsSource
    {
        public long Count0 { get; set; }

        public long Count1 { get; set; }

        public long Count2 { get; set; }

        public long Allocated { get; set; }

        public long Committed { get; set; } = 10 * Mb;

        public long Limit { get; set; } = 1000 * Mb;

        public GcStats Read(long timestamp) => new()
        {
            Timestamp = timestamp,
            Count0 = Count0,
            Count1 = Count1,
            Count2 = Count2,
            TotalAllocatedBytes = Allocated,
            TotalPause = TimeSpan.Zero,
            LastIndex = Count0,
            HeapSizeBytes = Committed / 2,
            CommittedBytes = Committed,
            LimitBytes = Limit,
            Generations = [new GenerationStats(1, 1, 0, 0)],
        };
    }

    /// <summary>A loopback HTTP listener that records the requests Alertmanager would get.</summary>
    private sealed class AlertmanagerStub : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly System.Threading.Channels.Channel<Request> _requests = System.Threading.Channels.Channel.CreateUnbounded<Request>();
        private readonly Task _loop;

        public AlertmanagerStub()
        {
            var port = FreePort();
            BaseUrl = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(BaseUrl.AbsoluteUri);
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri BaseUrl { get; }

        public async Task<Request> NextAsync() => await _requests.Reader.ReadAsync();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                var body = await reader.ReadToEndAsync();
                await _requests.Writer.WriteAsync(new Request(
                    context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType ?? string.Empty, body));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            return ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _loop.Wait(TimeSpan.FromSeconds(5));
        }

        public sealed record Request(string Method, string Path, string ContentType, string Body);
    }
}
