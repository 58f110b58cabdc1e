using System.Globalization;
using System.Text.Json;

namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Reads the server's runtime figures out of the texts it exposes: the <c>/debug/gc</c> JSON document, Prometheus
/// <c>/metrics</c> text, and Linux <c>/proc/PID/status</c>. Every reader is lenient: a missing field is null, never an error.
/// </summary>
internal static class RuntimeStatsText
{
    /// <summary>The server's decision latency histogram in /metrics (OpenTelemetry's Prometheus name of <c>jiangwanli.decision.duration</c>).</summary>
    public const string DecisionLatencyMetric = "jiangwanli_decision_duration_seconds";

    private static readonly string[] s_gcCountMetrics = ["dotnet_gc_collections_total", "dotnet_gc_collections"];
    private static readonly string[] s_gcPauseMetrics = ["dotnet_gc_pause_time_seconds_total", "dotnet_gc_pause_time_seconds", "dotnet_gc_pause_time_total"];
    private static readonly string[] s_workingSetMetrics = ["dotnet_process_memory_working_set_bytes", "process_working_set_bytes", "process_resident_memory_bytes", "process_memory_usage_bytes"];

    /// <summary>
    /// Reads <c>/debug/gc</c>: <c>collections.total</c> (or the sum of <c>gen0/gen1/gen2</c>), <c>collections.gen2</c>,
    /// <c>pauses.totalMs</c>, <c>heap.committedBytes</c>, the index of the last GC (<c>index</c>) and the per-GC
    /// records of <c>pauses.recent</c> (<c>index</c>, <c>generation</c>, <c>pauseMs</c>; the server keeps the last 16).
    /// </summary>
    public static ServerSample? ParseGcDocument(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            long? total = null;
            long? gen2 = null;
            if (root.TryGetProperty("collections", out var collections) && collections.ValueKind == JsonValueKind.Object)
            {
                total = Int64(collections, "total");
                gen2 = Int64(collections, "gen2");
                if (total is null && Int64(collections, "gen0") is { } g0 && Int64(collections, "gen1") is { } g1 && gen2 is { } g2)
                {
                    total = g0 + g1 + g2;
                }
            }

            double? pause = null;
            List<GcPause>? recent = null;
            if (root.TryGetProperty("pauses", out var pauses) && pauses.ValueKind == JsonValueKind.Object)
            {
                pause = Double(pauses, "totalMs");
                if (pauses.TryGetProperty("recent", out var records) && records.ValueKind == JsonValueKind.Array)
                {
                    recent = [];
                    foreach (var record in records.EnumerateArray())
                    {
                        if (record.ValueKind == JsonValueKind.Object && Int64(record, "index") is { } index && Double(record, "pauseMs") is { } ms)
                        {
                            recent.Add(new GcPause(index, (int)(Int64(record, "generation") ?? -1), ms));
                        }
                    }
                }
            }

            long? committed = null;
            if (root.TryGetProperty("heap", out var heap) && heap.ValueKind == JsonValueKind.Object)
            {
                committed = Int64(heap, "committedBytes");
            }

            if (total is null && pause is null && committed is null)
            {
                return null;
            }

            return new ServerSample
            {
                GcCount = total,
                Gen2Count = gen2,
                GcPauseMs = pause,
                HeapCommittedBytes = committed,
                GcIndex = Int64(root, "index"),
                RecentPauses = recent,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads Prometheus text: GC count (<c>dotnet_gc_collections_total</c>, summed over generations; gen2 from its
    /// <c>gc_heap_generation="gen2"</c> series), GC pause (<c>dotnet_gc_pause_time_seconds_total</c>) and working set.
    /// </summary>
    public static ServerSample? ParseMetrics(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = SumFirst(text, s_gcCountMetrics, label: null);
        var gen2 = SumFirst(text, s_gcCountMetrics, label: "\"gen2\"");
        var pauseSeconds = SumFirst(text, s_gcPauseMetrics, label: null);
        var workingSet = SumFirst(text, s_workingSetMetrics, label: null);
        if (count is null && pauseSeconds is null && workingSet is null)
        {
            return null;
        }

        return new ServerSample
        {
            GcCount = count is { } c ? (long)c : null,
            Gen2Count = gen2 is { } g ? (long)g : null,
            GcPauseMs = pauseSeconds * 1000,
            ResidentBytes = workingSet is { } w ? (long)w : null,
        };
    }

    /// <summary>The sum of every sample of metric <paramref name="name"/> (any labels), or null when there is none.</summary>
    public static double? SumMetric(string text, string name, string? labelContains = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        double? sum = null;
        foreach (var (labels, value) in Samples(text, name))
        {
            if (labelContains is null || labels.Contains(labelContains, StringComparison.Ordinal))
            {
                sum = (sum ?? 0) + value;
            }
        }

        return sum;
    }

    /// <summary>
    /// A Prometheus histogram's buckets (<c>NAME_bucket{…,le="…"}</c>), the samples of every other label set summed per
    /// bound: cumulative counts by upper bound, ascending, the last one <c>+Inf</c>; null when there is none.
    /// </summary>
    public static HistogramBuckets? ParseHistogram(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var counts = new SortedDictionary<double, long>();
        foreach (var (labels, value) in Samples(text, name + "_bucket"))
        {
            var at = labels.IndexOf("le=\"", StringComparison.Ordinal);
            var close = at < 0 ? -1 : labels.IndexOf('"', at + 4);
            if (close < 0)
            {
                continue;
            }

            var bound = labels[(at + 4)..close];
            double le;
            if (bound == "+Inf")
            {
                le = double.PositiveInfinity;
            }
            else if (!double.TryParse(bound, NumberStyles.Float, CultureInfo.InvariantCulture, out le))
            {
                continue;
            }

            counts[le] = counts.GetValueOrDefault(le) + (long)value;
        }

        return counts.Count == 0 ? null : new HistogramBuckets([.. counts.Keys], [.. counts.Values]);
    }

    /// <summary>Every sample line of metric <paramref name="name"/> (exactly that name) as its label block and value.</summary>
    private static List<(string Labels, double Value)> Samples(string text, string name)
    {
        var samples = new List<(string, double)>();
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range].Trim();
            if (line.IsEmpty || line[0] == '#' || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.IsEmpty || (rest[0] != ' ' && rest[0] != '{'))
            {
                continue; // a longer metric name that starts with this one
            }

            var labels = ReadOnlySpan<char>.Empty;
            if (rest[0] == '{')
            {
                var close = rest.IndexOf('}');
                if (close < 0)
                {
                    continue;
                }

                labels = rest[..(close + 1)];
                rest = rest[(close + 1)..];
            }

            rest = rest.Trim();
            var space = rest.IndexOf(' ');
            var value = space < 0 ? rest : rest[..space];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
            {
                samples.Add((labels.ToString(), number));
            }
        }

        return samples;
    }

    /// <summary>Reads <c>VmRSS</c> and <c>VmHWM</c> (kB in the file) from <c>/proc/PID/status</c> text, as bytes.</summary>
    public static (long? ResidentBytes, long? PeakResidentBytes) ParseProcStatus(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        long? rss = null;
        long? hwm = null;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan()[range];
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line["VmRSS:".Length..]);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                hwm = Kilobytes(line["VmHWM:".Length..]);
            }
        }

        return (rss, hwm);
    }

    private static double? SumFirst(string text, string[] names, string? label)
    {
        foreach (var name in names)
        {
            if (SumMetric(text, name, label) is { } value)
            {
                return value;
            }
        }

        return null;
    }

    private static long? Kilobytes(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.EndsWith("kB", StringComparison.Ordinal))
        {
            value = value[..^2].Trim();
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }

    private static long? Int64(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;

    private static double? Double(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : null;
}
