using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Jiangwanli.Cli.Bench;

/// <summary>Writes a <see cref="BenchReport"/> as a console table, as one JSON object, or as a markdown section.</summary>
internal static class ReportWriter
{
    private const string NotAvailable = "n/a";
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// One JSON object: the main target's figures at the top level (the URL when given, else the bare endpoint), and
    /// the bare endpoint's under <c>bare</c> when both ran.
    /// </summary>
    public static void WriteJson(BenchReport report, Stream output)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var main = report.Results[^1];
        w.WriteStartObject();
        WriteResultFields(w, report.Options, main);
        if (report.Options.Label is { } label)
        {
            w.WriteString("label", label);
        }

        w.WriteString("finished", report.Finished);
        w.WriteNumber("processor_count", Environment.ProcessorCount);
        if (report.Results.Count > 1)
        {
            w.WriteStartObject("bare");
            WriteResultFields(w, report.Options, report.Results[0]);
            w.WriteEndObject();
        }

        w.WriteStartArray("notes");
        foreach (var note in report.Notes)
        {
            w.WriteStringValue(note);
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>The report as a table, with notes under it.</summary>
    public static void WriteTable(BenchReport report, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(console);
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(Title(report)));
        table.AddColumn("target");
        foreach (var result in report.Results)
        {
            table.AddColumn(new TableColumn(Markup.Escape(result.Target == "bare" ? "bare" : result.Url.ToString())).RightAligned());
        }

        void Row(string name, Func<BenchResult, string> cell)
        {
            var cells = new List<string> { name };
            foreach (var result in report.Results)
            {
                cells.Add(Markup.Escape(cell(result)));
            }

            table.AddRow([.. cells]);
        }

        Row("throughput (2xx/s)", r => r.Throughput.ToString("N0", s_invariant));
        if (report.Results.Any(r => r.RatioToBare is not null))
        {
            Row("× bare", r => r.RatioToBare is { } ratio ? ratio.ToString("0.000", s_invariant) : r.Target == "bare" ? "1.000" : NotAvailable);
        }

        Row("responses", r => r.Measurement.Counts.Responses.ToString("N0", s_invariant));
        Row("window", r => r.Measurement.Elapsed.TotalSeconds.ToString("0.00", s_invariant) + " s");
        Row("connections", r => r.Measurement.Connected == r.Measurement.Connections
            ? r.Measurement.Connections.ToString(s_invariant)
            : $"{r.Measurement.Connected}/{r.Measurement.Connections}");
        Row("p50", r => Micros(r.Latency.P50, r.Latency.Count));
        Row("p90", r => Micros(r.Latency.P90, r.Latency.Count));
        Row("p99", r => Micros(r.Latency.P99, r.Latency.Count));
        Row("p99.9", r => Micros(r.Latency.P999, r.Latency.Count));
        Row("max", r => Micros(r.Latency.Max, r.Latency.Count));
        Row("p50 / p99 of 2xx", r => Micros(r.SuccessLatency.P50, r.SuccessLatency.Count) + " / " + Micros(r.SuccessLatency.P99, r.SuccessLatency.Count));
        Row("status", r => Statuses(r.Measurement.Counts));
        Row("503/429 without Retry-After", r => r.Measurement.Counts.MissingRetryAfter.ToString("N0", s_invariant));
        Row("errors", r => Errors(r.Measurement.Counts));
        Row("client CPU / request", r => r.Measurement.Counts.Responses > 0
            ? (r.Measurement.ClientCpu.TotalMicroseconds / r.Measurement.Counts.Responses).ToString("0.0", s_invariant) + " µs"
            : NotAvailable);
        Row("server GCs (gen2)", r => r.Server.GcCount is { } c ? $"{c} ({r.Server.Gen2Count?.ToString(s_invariant) ?? NotAvailable})" : NotAvailable);
        Row("server GC pause", r => r.Server.GcPauseMs is { } ms ? ms.ToString("0.0", s_invariant) + " ms" : NotAvailable);
        Row("server GC pause p99 / max", PauseP99);
        Row("server peak memory", r => r.Server.PeakMemoryBytes is { } b ? $"{Megabytes(b)} ({r.Server.PeakMemorySource})" : NotAvailable);
        Row("server decision p50 / p99", ServerDecisionLatency);
        console.Write(table);
        foreach (var note in report.Notes)
        {
            console.MarkupLine("[grey]" + Markup.Escape(note) + "[/]");
        }
    }

    /// <summary>Appends the report to a markdown file as a section: a heading, the command, a table row per target, the notes.</summary>
    public static void AppendMarkdown(BenchReport report, string path)
    {
        File.AppendAllText(path, Markdown(report), new UTF8Encoding(false));
    }

    /// <summary>The markdown section <see cref="AppendMarkdown"/> writes.</summary>
    public static string Markdown(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var o = report.Options;
        var md = new StringBuilder();
        md.AppendLine();
        md.Append(s_invariant, $"### {o.Label ?? "jwl bench"} — {report.Finished.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z").AppendLine();
        md.AppendLine();
        if (o.CommandLine is { } command)
        {
            md.Append('`').Append(command.Replace('`', '\'')).AppendLine("`");
            md.AppendLine();
        }

        md.Append(s_invariant, $"{Mode(o.Load)}, {o.Load.Connections} connections, {o.Load.Duration.TotalSeconds:0.##} s measured after {o.Load.Warmup.TotalSeconds:0.##} s warm-up, {o.Client.ToString().ToLowerInvariant()} client, {Environment.ProcessorCount} cores").AppendLine();
        md.AppendLine();
        md.AppendLine("| target | throughput (2xx/s) | × bare | p50 | p90 | p99 | p99.9 | max | status | errors | server GCs (gen2) | GC pause | peak memory | p99 of 2xx | GC pause p99 / max | 503/429 w/o Retry-After | server decision p50 / p99 |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in report.Results)
        {
            var l = r.Latency;
            md.Append(s_invariant, $"| {(r.Target == "bare" ? "bare" : r.Url.ToString())} | {r.Throughput:N0} | ")
                .Append(r.RatioToBare is { } ratio ? ratio.ToString("0.000", s_invariant) : r.Target == "bare" ? "1.000" : NotAvailable)
                .Append(s_invariant, $" | {Micros(l.P50, l.Count)} | {Micros(l.P90, l.Count)} | {Micros(l.P99, l.Count)} | {Micros(l.P999, l.Count)} | {Micros(l.Max, l.Count)}")
                .Append(" | ").Append(Statuses(r.Measurement.Counts))
                .Append(" | ").Append(Errors(r.Measurement.Counts))
                .Append(" | ").Append(r.Server.GcCount is { } c ? $"{c} ({r.Server.Gen2Count?.ToString(s_invariant) ?? NotAvailable})" : NotAvailable)
                .Append(" | ").Append(r.Server.GcPauseMs is { } ms ? ms.ToString("0.0", s_invariant) + " ms" : NotAvailable)
                .Append(" | ").Append(r.Server.PeakMemoryBytes is { } b ? Megabytes(b) : NotAvailable)
                .Append(" | ").Append(Micros(r.SuccessLatency.P99, r.SuccessLatency.Count))
                .Append(" | ").Append(PauseP99(r))
                .Append(" | ").Append(r.Measurement.Counts.MissingRetryAfter.ToString(s_invariant))
                .Append(" | ").Append(ServerDecisionLatency(r))
                .AppendLine(" |");
        }

        md.AppendLine();
        foreach (var note in report.Notes)
        {
            md.Append("- ").AppendLine(note);
        }

        return md.ToString();
    }

    /// <summary>A latency in microseconds for people: <c>812 µs</c>, <c>1.23 ms</c>, <c>2.40 s</c>; n/a when nothing was recorded.</summary>
    public static string Micros(long micros, long count = 1) => count == 0
        ? NotAvailable
        : micros < 1_000 ? micros.ToString(s_invariant) + " µs"
        : micros < 1_000_000 ? (micros / 1000.0).ToString("0.00", s_invariant) + " ms"
        : (micros / 1_000_000.0).ToString("0.00", s_invariant) + " s";

    /// <summary>The window's GC pause p99 and max, with how many of its GCs were seen when not all: <c>0.412 / 0.9 ms (37 GCs)</c>.</summary>
    public static string PauseP99(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var s = r.Server;
        if (s.GcPauseP99Ms is not { } p99)
        {
            return NotAvailable;
        }

        var coverage = s.GcCount is { } total && s.GcPausesSeen is { } seen && seen < total
            ? string.Create(s_invariant, $" ({seen} of {total} GCs seen)")
            : string.Create(s_invariant, $" ({s.GcPausesSeen ?? 0} GCs)");
        return string.Create(s_invariant, $"{p99:0.###} / {s.GcPauseMaxMs ?? 0:0.###} ms{coverage}");
    }

    /// <summary>Status counts as <c>200: 1,234; 503: 5</c>.</summary>
    public static string Statuses(StatusSnapshot counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var codes = counts.Codes();
        return codes.Count == 0 ? "none" : string.Join("; ", codes.Select(c => $"{(c.Key == 0 ? "other" : c.Key.ToString(s_invariant))}: {c.Value.ToString("N0", s_invariant)}"));
    }

    /// <summary>Failure counts by kind, or <c>0</c>.</summary>
    public static string Errors(StatusSnapshot counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var parts = new List<string>();
        foreach (var kind in Enum.GetValues<BenchError>())
        {
            if (kind != BenchError.None && counts.Error(kind) is var n and > 0)
            {
                parts.Add($"{kind.ToString().ToLowerInvariant()}: {n.ToString("N0", s_invariant)}");
            }
        }

        return parts.Count == 0 ? "0" : string.Join("; ", parts);
    }

    private static void WriteResultFields(Utf8JsonWriter w, BenchOptions options, BenchResult r)
    {
        var m = r.Measurement;
        var l = r.Latency;
        w.WriteString("target", r.Target);
        w.WriteString("url", r.Url.ToString());
        w.WriteString("mode", options.Load.Rate is null ? "closed" : "open");
        w.WriteString("client", options.Client.ToString().ToLowerInvariant());
        w.WriteBoolean("request_start", options.RequestStart);
        w.WriteNumber("connections", m.Connections);
        w.WriteNumber("connected", m.Connected);
        if (options.Load.Rate is { } rate)
        {
            w.WriteNumber("rate", rate);
            w.WriteNumber("scheduled", m.Scheduled ?? 0);
        }
        else
        {
            w.WriteNull("rate");
        }

        w.WriteNumber("throughput", Math.Round(r.Throughput, 1));
        w.WriteNumber("requests", m.Counts.Responses);
        w.WriteNumber("duration_s", Math.Round(m.Elapsed.TotalSeconds, 3));
        w.WriteStartObject("latency_us");
        w.WriteNumber("p50", l.P50);
        w.WriteNumber("p90", l.P90);
        w.WriteNumber("p99", l.P99);
        w.WriteNumber("p999", l.P999);
        w.WriteNumber("max", l.Max);
        w.WriteNumber("mean", Math.Round(l.Mean, 1));
        w.WriteEndObject();
        var s = r.SuccessLatency;
        w.WriteStartObject("latency_2xx_us");
        w.WriteNumber("count", s.Count);
        w.WriteNumber("p50", s.P50);
        w.WriteNumber("p90", s.P90);
        w.WriteNumber("p99", s.P99);
        w.WriteNumber("p999", s.P999);
        w.WriteNumber("max", s.Max);
        w.WriteEndObject();
        w.WriteNumber("refusals_without_retry_after", m.Counts.MissingRetryAfter);
        w.WriteStartObject("status");
        foreach (var (code, count) in m.Counts.Codes())
        {
            w.WriteNumber(code == 0 ? "other" : code.ToString(s_invariant), count);
        }

        w.WriteEndObject();
        w.WriteNumber("errors", m.Counts.Errors);
        w.WriteStartObject("error_kinds");
        foreach (var kind in Enum.GetValues<BenchError>())
        {
            if (kind != BenchError.None)
            {
                w.WriteNumber(kind.ToString().ToLowerInvariant(), m.Counts.Error(kind));
            }
        }

        w.WriteEndObject();
        w.WriteStartObject("server");
        WriteNullable(w, "gc_count", r.Server.GcCount);
        WriteNullable(w, "gc_gen2", r.Server.Gen2Count);
        if (r.Server.GcPauseMs is { } pause)
        {
            w.WriteNumber("gc_pause_ms", Math.Round(pause, 3));
        }
        else
        {
            w.WriteNull("gc_pause_ms");
        }

        WriteNullableDouble(w, "gc_pause_p99_ms", r.Server.GcPauseP99Ms);
        WriteNullableDouble(w, "gc_pause_max_ms", r.Server.GcPauseMaxMs);
        WriteNullable(w, "gc_pauses_seen", r.Server.GcPausesSeen);
        WriteNullable(w, "peak_memory_bytes", r.Server.PeakMemoryBytes);
        if (r.Server.PeakMemorySource is { } source)
        {
            w.WriteString("peak_memory_source", source);
        }
        else
        {
            w.WriteNull("peak_memory_source");
        }

        WriteNullable(w, "pid", r.Server.ProcessId);

        // The server's own decision latency: bucket upper bounds ("at most"), null past the last finite bound.
        WriteNullable(w, "decisions", r.Server.DecisionLatency?.Count);
        WriteNullableDouble(w, "decision_p50_le_ms", FiniteMs(r.Server.DecisionLatency?.PercentileUpperBound(50)));
        WriteNullableDouble(w, "decision_p99_le_ms", FiniteMs(r.Server.DecisionLatency?.PercentileUpperBound(99)));
        w.WriteEndObject();
        if (r.RatioToBare is { } ratio)
        {
            w.WriteNumber("ratio_to_bare", Math.Round(ratio, 4));
        }

        w.WriteStartObject("client");
        w.WriteNumber("cpu_ms", Math.Round(m.ClientCpu.TotalMilliseconds, 1));
        w.WriteNumber("cpu_us_per_request", m.Counts.Responses > 0 ? Math.Round(m.ClientCpu.TotalMicroseconds / m.Counts.Responses, 2) : 0);
        w.WriteEndObject();
        w.WriteBoolean("interrupted", m.Interrupted);
    }

    private static double? FiniteMs(double? seconds) => seconds is { } s && double.IsFinite(s) ? s * 1000 : null;

    /// <summary>
    /// The server's own decision latency for the window, p50 / p99 as its histogram's bucket bounds:
    /// <c>≤ 25 µs / ≤ 50.00 ms (305,517)</c>; n/a when the server's histogram was not read or nothing was decided.
    /// </summary>
    public static string ServerDecisionLatency(BenchResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.Server.DecisionLatency is not { Count: > 0 } latency)
        {
            return NotAvailable;
        }

        return $"{Bound(latency, 50)} / {Bound(latency, 99)} ({latency.Count.ToString("N0", s_invariant)})";

        static string Bound(HistogramBuckets h, double percentile) => h.PercentileUpperBound(percentile) is { } s && double.IsFinite(s)
            ? "≤ " + Micros((long)Math.Round(s * 1_000_000))
            : "> " + Micros((long)Math.Round(h.UpperBounds.Where(double.IsFinite).DefaultIfEmpty(0).Max() * 1_000_000));
    }

    private static void WriteNullableDouble(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, Math.Round(v, 3));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string Title(BenchReport report)
    {
        var o = report.Options;
        return $"jwl bench{(o.Label is { } l ? " · " + l : string.Empty)} · {Mode(o.Load)} · {o.Load.Connections} connections · {o.Load.Duration.TotalSeconds:0.##} s";
    }

    private static string Mode(LoadRunSettings load) =>
        load.Rate is { } rate ? string.Create(s_invariant, $"open loop at {rate:N0} req/s (latency from the intended send time)") : "closed loop";

    private static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", s_invariant) + " MiB";
}
