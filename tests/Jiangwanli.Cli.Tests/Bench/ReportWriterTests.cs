using System.Text;
using System.Text.Json;
using Jiangwanli.Cli.Bench;
using Spectre.Console;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class ReportWriterTests
{
    private static BenchResult Result(string target, long ok, long unavailable, double seconds, ServerStats server, double? ratio = null)
    {
        var tally = new StatusTally();
        var histogram = LatencySummary.NewHistogram();
        for (var i = 0; i < ok; i++)
        {
            tally.Status(200);
            histogram.RecordValue(100 + (i % 1000));
        }

        for (var i = 0; i < unavailable; i++)
        {
            tally.Status(503);
            histogram.RecordValue(50);
        }

        tally.Error(BenchError.Timeout);
        return new BenchResult
        {
            Target = target,
            Url = new Uri(target == "bare" ? "http://127.0.0.1:40000/v1/decisions" : "http://127.0.0.1:8080/v1/decisions"),
            Measurement = new LoadMeasurement
            {
                Latencies = histogram,
                Counts = tally.Snapshot(),
                Elapsed = TimeSpan.FromSeconds(seconds),
                Connected = 64,
                Connections = 64,
            },
            Server = server,
            RatioToBare = ratio,
        };
    }

    private static BenchReport Report(params BenchResult[] results) => new()
    {
        Options = new BenchOptions
        {
            Url = "http://127.0.0.1:8080",
            Bare = results.Length > 1,
            Label = "test run",
            Load = new LoadRunSettings { Connections = 64, Duration = TimeSpan.FromSeconds(10), Warmup = TimeSpan.FromSeconds(2) },
            CommandLine = "jwl bench --target bare --url http://127.0.0.1:8080",
        },
        Results = results,
        Finished = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero),
        Notes = ["same machine"],
    };

    private static JsonElement Json(BenchReport report)
    {
        using var stream = new MemoryStream();
        ReportWriter.WriteJson(report, stream);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    [Fact]
    public void WriteJson_BareAndUrl_HasTheDocumentedFieldsAndTheRatio()
    {
        var server = new ServerStats { GcCount = 7, Gen2Count = 0, GcPauseMs = 3.5, PeakMemoryBytes = 1 << 20, PeakMemorySource = "VmHWM" };
        var bare = Result("bare", ok: 1_000, unavailable: 0, seconds: 10, ServerStats.Unknown);
        var url = Result("url", ok: 700, unavailable: 10, seconds: 10, server, ratio: 0.7);
        var json = Json(Report(bare, url));

        Assert.Equal(70, json.GetProperty("throughput").GetDouble());
        Assert.Equal(710, json.GetProperty("requests").GetInt64());
        Assert.Equal(10, json.GetProperty("duration_s").GetDouble());
        var latency = json.GetProperty("latency_us");
        foreach (var name in (string[])["p50", "p90", "p99", "p999", "max"])
        {
            Assert.True(latency.GetProperty(name).GetInt64() > 0, name);
        }

        Assert.Equal(700, json.GetProperty("status").GetProperty("200").GetInt64());
        Assert.Equal(10, json.GetProperty("status").GetProperty("503").GetInt64());
        Assert.Equal(1, json.GetProperty("errors").GetInt64());
        Assert.Equal(1, json.GetProperty("error_kinds").GetProperty("timeout").GetInt64());
        Assert.Equal(7, json.GetProperty("server").GetProperty("gc_count").GetInt64());
        Assert.Equal(3.5, json.GetProperty("server").GetProperty("gc_pause_ms").GetDouble());
        Assert.Equal(1 << 20, json.GetProperty("server").GetProperty("peak_memory_bytes").GetInt64());
        Assert.Equal(0.7, json.GetProperty("ratio_to_bare").GetDouble());
        Assert.Equal("closed", json.GetProperty("mode").GetString());
        Assert.Equal(100, json.GetProperty("bare").GetProperty("throughput").GetDouble());
        Assert.Equal("test run", json.GetProperty("label").GetString());
    }

    [Fact]
    public void WriteJson_UnknownServerFigures_AreNull()
    {
        var json = Json(Report(Result("url", 10, 0, 1, ServerStats.Unknown)));
        var server = json.GetProperty("server");
        Assert.Equal(JsonValueKind.Null, server.GetProperty("gc_count").ValueKind);
        Assert.Equal(JsonValueKind.Null, server.GetProperty("gc_pause_ms").ValueKind);
        Assert.Equal(JsonValueKind.Null, server.GetProperty("peak_memory_bytes").ValueKind);
        Assert.Equal(JsonValueKind.Null, server.GetProperty("decisions").ValueKind);
        Assert.Equal(JsonValueKind.Null, server.GetProperty("decision_p99_le_ms").ValueKind);
        Assert.False(json.TryGetProperty("ratio_to_bare", out _));
        Assert.False(json.TryGetProperty("bare", out _));
    }

    [Fact]
    public void WriteJson_ServerDecisionHistogram_GivesItsCountAndBucketBounds()
    {
        // 1,000 decisions: 600 within 25 µs, 390 more within 25 ms, 10 beyond the last finite bound (1 s).
        var latency = new HistogramBuckets([0.000025, 0.025, 1, double.PositiveInfinity], [600, 990, 990, 1_000]);
        var result = Result("url", 10, 0, 1, new ServerStats { DecisionLatency = latency });
        var server = Json(Report(result)).GetProperty("server");

        Assert.Equal(1_000, server.GetProperty("decisions").GetInt64());
        Assert.Equal(0.025, server.GetProperty("decision_p50_le_ms").GetDouble());
        Assert.Equal(25, server.GetProperty("decision_p99_le_ms").GetDouble());
        Assert.Equal("≤ 25 µs / ≤ 25.00 ms (1,000)", ReportWriter.ServerDecisionLatency(result));

        var beyond = Result("url", 10, 0, 1, new ServerStats { DecisionLatency = new HistogramBuckets([1, double.PositiveInfinity], [0, 5]) });
        Assert.Equal(JsonValueKind.Null, Json(Report(beyond)).GetProperty("server").GetProperty("decision_p99_le_ms").ValueKind);
        Assert.Equal("> 1.00 s / > 1.00 s (5)", ReportWriter.ServerDecisionLatency(beyond));
    }

    [Fact]
    public void Markdown_BareAndUrl_IsASectionWithARowPerTarget()
    {
        var md = ReportWriter.Markdown(Report(
            Result("bare", 1_000, 0, 10, ServerStats.Unknown),
            Result("url", 700, 0, 10, new ServerStats { GcCount = 2, Gen2Count = 0, GcPauseMs = 1 }, ratio: 0.7)));
        var lines = md.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("### test run — 2026-11-26 12:00:00Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("`jwl bench --target bare", StringComparison.Ordinal));
        var rows = lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, rows.Length); // header + 2 targets
        Assert.StartsWith("| bare | 100 | 1.000 |", rows[1], StringComparison.Ordinal);
        Assert.StartsWith("| http://127.0.0.1:8080/v1/decisions | 70 | 0.700 |", rows[2], StringComparison.Ordinal);
        Assert.Contains("| 2 (0) | 1.0 ms | n/a |", rows[2], StringComparison.Ordinal);
        Assert.Equal(rows[0].Count(c => c == '|'), rows[2].Count(c => c == '|'));
        Assert.Contains(lines, l => l == "- same machine");
    }

    [Fact]
    public void AppendMarkdown_TwoReports_AppendsBoth()
    {
        var path = Path.Combine(Path.GetTempPath(), $"jwl-bench-{Guid.NewGuid():N}.md");
        try
        {
            var report = Report(Result("url", 10, 0, 1, ServerStats.Unknown));
            ReportWriter.AppendMarkdown(report, path);
            ReportWriter.AppendMarkdown(report, path);
            var text = File.ReadAllText(path, Encoding.UTF8);
            Assert.Equal(2, text.Split("### test run").Length - 1);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WriteTable_BareAndUrl_ShowsThroughputRatioAndNa()
    {
        using var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 250;
        ReportWriter.WriteTable(Report(
            Result("bare", 1_000, 0, 10, ServerStats.Unknown),
            Result("url", 700, 0, 10, ServerStats.Unknown, ratio: 0.7)), console);
        var output = writer.ToString();
        Assert.Contains("throughput (2xx/s)", output, StringComparison.Ordinal);
        Assert.Contains("0.700", output, StringComparison.Ordinal);
        Assert.Contains("n/a", output, StringComparison.Ordinal);
        Assert.Contains("same machine", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, 1L, "0 µs")]
    [InlineData(812L, 1L, "812 µs")]
    [InlineData(1_234L, 1L, "1.23 ms")]
    [InlineData(2_400_000L, 1L, "2.40 s")]
    [InlineData(5L, 0L, "n/a")]
    public void Micros_Value_IsReadable(long micros, long count, string expected)
    {
        Assert.Equal(expected, ReportWriter.Micros(micros, count));
    }
}
