using System.Text;
using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class RuntimeStatsTextTests
{
    // The shape GcMonitor.WriteSnapshot produces (trimmed).
    private const string GcDocument = """
        {"timestamp":"2026-11-26T00:00:00+00:00","monitorUptimeSeconds":12.5,"index":41,
         "collections":{"gen0":30,"gen1":8,"gen2":3,"total":41},
         "pauses":{"totalMs":52.25,"pauseTimePercent":0.4,"windowSeconds":60,"count":3,"p50Ms":0.5,"p99Ms":2.1,"maxMs":2.1,"lastMs":0.3,"recent":[]},
         "heap":{"sizeBytes":1000,"committedBytes":4194304,"fragmentedBytes":0,"promotedBytes":0,"generations":[]},
         "alerts":[]}
        """;

    [Fact]
    public void ParseGcDocument_ServerShape_ReadsCountsPauseAndHeap()
    {
        var sample = RuntimeStatsText.ParseGcDocument(Encoding.UTF8.GetBytes(GcDocument));
        Assert.NotNull(sample);
        Assert.Equal(41, sample.GcCount);
        Assert.Equal(3, sample.Gen2Count);
        Assert.Equal(52.25, sample.GcPauseMs);
        Assert.Equal(4_194_304, sample.HeapCommittedBytes);
        Assert.Null(sample.ResidentBytes);
    }

    [Fact]
    public void ParseGcDocument_NoTotal_SumsTheGenerations()
    {
        var sample = RuntimeStatsText.ParseGcDocument("""{"collections":{"gen0":5,"gen1":2,"gen2":1}}"""u8);
        Assert.Equal(8, sample!.GcCount);
        Assert.Null(sample.GcPauseMs);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"status\":\"ok\"}")]
    [InlineData("{\"collections\":\"many\"}")]
    public void ParseGcDocument_SomethingElse_IsNull(string text)
    {
        Assert.Null(RuntimeStatsText.ParseGcDocument(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void ParseMetrics_OpenTelemetryRuntimeMetrics_SumsGenerations()
    {
        const string Text = """
            # TYPE dotnet_gc_collections_total counter
            dotnet_gc_collections_total{gc_heap_generation="gen0",otel_scope_name="System.Runtime"} 30 1764115200000
            dotnet_gc_collections_total{gc_heap_generation="gen1",otel_scope_name="System.Runtime"} 8
            dotnet_gc_collections_total{gc_heap_generation="gen2",otel_scope_name="System.Runtime"} 3
            # TYPE dotnet_gc_pause_time_seconds_total counter
            dotnet_gc_pause_time_seconds_total{otel_scope_name="System.Runtime"} 0.05225
            dotnet_process_memory_working_set_bytes{otel_scope_name="System.Runtime"} 1.2345e+08
            dotnet_gc_collections_total_extra 1000
            """;
        var sample = RuntimeStatsText.ParseMetrics(Text);
        Assert.NotNull(sample);
        Assert.Equal(41, sample.GcCount);
        Assert.Equal(3, sample.Gen2Count);
        Assert.Equal(52.25, sample.GcPauseMs!.Value, 9);
        Assert.Equal(123_450_000, sample.ResidentBytes);
    }

    [Fact]
    public void ParseMetrics_NothingKnown_IsNull()
    {
        Assert.Null(RuntimeStatsText.ParseMetrics("# HELP x\nhttp_requests_total 5\n"));
    }

    [Fact]
    public void ParseHistogram_BucketsOfSeveralOutcomes_SumsThemPerBound()
    {
        const string Text = """
            # TYPE jiangwanli_decision_duration_seconds histogram
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="allow",le="1E-05"} 2
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="allow",le="0.001"} 5
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="allow",le="+Inf"} 6
            jiangwanli_decision_duration_seconds_sum{otel_scope_name="Jiangwanli",outcome="allow"} 0.035709
            jiangwanli_decision_duration_seconds_count{otel_scope_name="Jiangwanli",outcome="allow"} 6
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="deny",le="0.001"} 1
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="deny",le="1E-05"} 0
            jiangwanli_decision_duration_seconds_bucket{otel_scope_name="Jiangwanli",outcome="deny",le="+Inf"} 3
            jiangwanli_decision_duration_seconds_bucket_extra{le="0.001"} 1000
            other_seconds_bucket{le="0.001"} 1000
            """;

        var h = RuntimeStatsText.ParseHistogram(Text, RuntimeStatsText.DecisionLatencyMetric);

        Assert.NotNull(h);
        Assert.Equal([0.00001, 0.001, double.PositiveInfinity], h.UpperBounds);
        Assert.Equal([2L, 6, 9], h.Cumulative);
        Assert.Equal(9, h.Count);
        Assert.Null(RuntimeStatsText.ParseHistogram("other_seconds_bucket{le=\"1\"} 3\n", RuntimeStatsText.DecisionLatencyMetric));
    }

    [Fact]
    public void SumMetric_LongerNameWithSamePrefix_IsNotCounted()
    {
        Assert.Equal(7, RuntimeStatsText.SumMetric("a_total 7\na_total_more 100\na_totally{x=\"1\"} 3\n", "a_total"));
        Assert.Null(RuntimeStatsText.SumMetric("b_total 7\n", "a_total"));
    }

    [Fact]
    public void ParseProcStatus_LinuxStatus_ReadsRssAndHighWaterMarkInBytes()
    {
        const string Status = "Name:\tjwl\nVmPeak:\t 3000000 kB\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t20\n";
        var (rss, hwm) = RuntimeStatsText.ParseProcStatus(Status);
        Assert.Equal(102_400L * 1024, rss);
        Assert.Equal(204_800L * 1024, hwm);
    }

    [Fact]
    public void ParseProcStatus_Missing_IsNull()
    {
        Assert.Equal((null, null), RuntimeStatsText.ParseProcStatus("Name:\tkthreadd\n"));
    }
}

public sealed class ServerStatsTests
{
    [Fact]
    public void Combine_StartAndEnd_GivesTheWindowDeltasAndPrefersVmHwm()
    {
        var start = new ServerSample { GcCount = 10, Gen2Count = 1, GcPauseMs = 20, ResidentBytes = 100, PeakResidentBytes = 150 };
        var middle = new ServerSample { ResidentBytes = 400, HeapCommittedBytes = 90 };
        var end = new ServerSample { GcCount = 18, Gen2Count = 1, GcPauseMs = 24.5, ResidentBytes = 300, PeakResidentBytes = 450 };
        var stats = ServerStats.Combine(start, end, [middle, end], processId: 42);
        Assert.Equal(8, stats.GcCount);
        Assert.Equal(0, stats.Gen2Count);
        Assert.Equal(4.5, stats.GcPauseMs);
        Assert.Equal(450, stats.PeakMemoryBytes);
        Assert.Equal("VmHWM", stats.PeakMemorySource);
        Assert.Equal(42, stats.ProcessId);
    }

    [Fact]
    public void Combine_NoHighWaterMark_TakesTheHighestSampledResidentSize()
    {
        var stats = ServerStats.Combine(null, new ServerSample { ResidentBytes = 300 }, [new ServerSample { ResidentBytes = 700 }, new ServerSample { ResidentBytes = 300 }], null);
        Assert.Equal(700, stats.PeakMemoryBytes);
        Assert.Equal("rss-sampled", stats.PeakMemorySource);
        Assert.Null(stats.GcCount);
    }

    [Fact]
    public void Combine_OnlyHeap_TakesTheHighestCommittedHeap()
    {
        var stats = ServerStats.Combine(null, null, [new ServerSample { HeapCommittedBytes = 5 }, new ServerSample { HeapCommittedBytes = 9 }], null);
        Assert.Equal(9, stats.PeakMemoryBytes);
        Assert.Equal("heap-committed-sampled", stats.PeakMemorySource);
    }

    [Fact]
    public void Combine_Nothing_IsUnknown()
    {
        var stats = ServerStats.Combine(null, null, [], null);
        Assert.Null(stats.GcCount);
        Assert.Null(stats.GcPauseMs);
        Assert.Null(stats.PeakMemoryBytes);
        Assert.Null(stats.PeakMemorySource);
    }
}

public sealed class ListeningProcessTests
{
    private const string Table = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
           1: 0100007F:1F90 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0000000000000000 20 4 30 10 -1
           2: 00000000:2383 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
        """;

    [Fact]
    public void ListeningInodes_PortWithListenerAndConnections_GivesOnlyTheListener()
    {
        Assert.Equal([31337L], ListeningProcess.ListeningInodes(Table, 8080));
        Assert.Equal([4242L], ListeningProcess.ListeningInodes(Table, 9091));
        Assert.Empty(ListeningProcess.ListeningInodes(Table, 1234));
    }

    [Fact]
    public void Find_ThisProcessListening_IsThisProcess()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        Assert.Equal(Environment.ProcessId, ListeningProcess.Find(port));
    }
}
