using System.Text.Json;
using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Prediction;

namespace Jiangwanli.Runtime.Gc;

public sealed partial class GcMonitor
{
    private static readonly string[] s_generationNames = ["gen0", "gen1", "gen2", "loh", "poh"];

    /// <summary>
    /// Writes the <c>/debug/gc</c> document (the ReadMemStats analog) as one JSON object; the
    /// fields are described in docs/runtime.md. Counters are read fresh; rates, percentiles, the
    /// model and alerts come from the monitor's last evaluations.
    /// </summary>
    public void WriteSnapshot(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var now = _timeProvider.GetTimestamp();
        var stats = _source.Read(now);
        double[] window;
        (long Timestamp, double Value)[] newest;
        GcRecord[] recent;
        RuntimeAlert[] alerts;
        double allocationRate;
        PauseFeatures features;
        lock (_lock)
        {
            window = _pauses.SortedSince(now - (long)(_options.PauseWindow.TotalSeconds * _timeProvider.TimestampFrequency));
            newest = _pauses.Newest(1);
            recent = [.. _recent];
            alerts = [.. _active.Values];
            allocationRate = _allocationRate;
            features = CurrentFeatures();
        }

        var uptime = _timeProvider.GetElapsedTime(_startTimestamp, now);
        writer.WriteStartObject();
        writer.WriteString("timestamp", _timeProvider.GetUtcNow());
        writer.WriteNumber("monitorUptimeSeconds", Math.Round(uptime.TotalSeconds, 3));
        writer.WriteNumber("index", stats.LastIndex);

        writer.WriteStartObject("collections");
        writer.WriteNumber("gen0", stats.Count0 - stats.Count1);
        writer.WriteNumber("gen1", stats.Count1 - stats.Count2);
        writer.WriteNumber("gen2", stats.Count2);
        writer.WriteNumber("total", stats.Count0);
        writer.WriteEndObject();

        writer.WriteStartObject("pauses");
        writer.WriteNumber("totalMs", Math.Round(stats.TotalPause.TotalMilliseconds, 3));
        writer.WriteNumber("pauseTimePercent", Math.Round(stats.PauseTimePercentage, 3));
        writer.WriteNumber("windowSeconds", _options.PauseWindow.TotalSeconds);
        writer.WriteNumber("count", window.Length);
        writer.WriteNumber("p50Ms", Math.Round(Percentiles.NearestRank(window, 50), 3));
        writer.WriteNumber("p99Ms", Math.Round(Percentiles.NearestRank(window, 99), 3));
        writer.WriteNumber("maxMs", Math.Round(window.Length == 0 ? 0 : window[^1], 3));
        writer.WriteNumber("lastMs", Math.Round(newest.Length == 0 ? 0 : newest[0].Value, 3));
        writer.WriteStartArray("recent");
        for (var i = recent.Length - 1; i >= 0; i--)
        {
            var r = recent[i];
            writer.WriteStartObject();
            writer.WriteNumber("index", r.Index);
            writer.WriteNumber("generation", r.Generation);
            writer.WriteString("reason", r.Reason.ToString());
            writer.WriteString("kind", r.Kind.ToString().ToLowerInvariant());
            writer.WriteString("startedAt", r.StartedAt);
            writer.WriteNumber("pauseMs", Math.Round(r.Pause.TotalMilliseconds, 3));
            writer.WriteNumber("suspendMs", Math.Round(r.Suspension.TotalMilliseconds, 3));
            writer.WriteNumber("heapBeforeBytes", r.HeapBeforeBytes);
            writer.WriteNumber("heapAfterBytes", r.HeapAfterBytes);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartObject("heap");
        writer.WriteNumber("sizeBytes", stats.HeapSizeBytes);
        writer.WriteNumber("committedBytes", stats.CommittedBytes);
        writer.WriteNumber("fragmentedBytes", stats.FragmentedBytes);
        writer.WriteNumber("promotedBytes", stats.PromotedBytes);
        writer.WriteStartArray("generations");
        for (var g = 0; g < stats.Generations.Length; g++)
        {
            var generation = stats.Generations[g];
            writer.WriteStartObject();
            writer.WriteString("name", g < s_generationNames.Length ? s_generationNames[g] : "gen" + g);
            writer.WriteNumber("sizeBeforeBytes", generation.SizeBeforeBytes);
            writer.WriteNumber("sizeAfterBytes", generation.SizeAfterBytes);
            writer.WriteNumber("fragmentationAfterBytes", generation.FragmentationAfterBytes);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartObject("allocation");
        writer.WriteNumber("totalBytes", stats.TotalAllocatedBytes);
        writer.WriteNumber("bytesPerSecond", Math.Round(allocationRate, 1));
        writer.WriteNumber("windowSeconds", _options.Rules.EphemeralWindow.TotalSeconds);
        writer.WriteEndObject();

        writer.WriteStartObject("memory");
        writer.WriteNumber("limitBytes", stats.LimitBytes);
        writer.WriteNumber("utilization", stats.LimitBytes > 0 ? Math.Round((double)stats.CommittedBytes / stats.LimitBytes, 4) : 0);
        writer.WriteNumber("highMemoryLoadThresholdBytes", stats.HighMemoryLoadThresholdBytes);
        writer.WriteNumber("memoryLoadBytes", stats.MemoryLoadBytes);
        writer.WriteEndObject();

        writer.WriteStartObject("settings");
        writer.WriteString("latencyMode", stats.LatencyMode.ToString());
        writer.WriteBoolean("serverGC", stats.IsServerGC);
        writer.WriteEndObject();

        var model = _predictor.Model;
        writer.WriteStartObject("prediction");
        writer.WriteNumber("nextPauseMs", Math.Round(_predictor.PredictMs(features), 3));
        writer.WriteNumber("budgetMs", _options.Rules.PauseBudget.TotalMilliseconds);
        writer.WriteNumber("samples", model.Samples);
        writer.WriteNumber("meanAbsoluteErrorMs", Math.Round(model.MeanAbsoluteErrorMs, 4));
        writer.WriteNumber("lastErrorMs", Math.Round(model.LastErrorMs, 4));
        writer.WriteStartObject("features");
        writer.WriteNumber("allocationRateMBps", Math.Round(features.AllocationRateMBps, 3));
        writer.WriteNumber("liveHeapMB", Math.Round(features.LiveHeapMB, 3));
        writer.WriteNumber("lastPauseMs", Math.Round(features.LastPauseMs, 3));
        writer.WriteEndObject();
        writer.WriteStartObject("weights");
        writer.WriteNumber("intercept", model.Intercept);
        writer.WriteNumber("allocationRate", model.AllocationRateWeight);
        writer.WriteNumber("liveHeap", model.LiveHeapWeight);
        writer.WriteNumber("lastPause", model.LastPauseWeight);
        writer.WriteEndObject();
        writer.WriteEndObject();

        writer.WriteStartArray("alerts");
        foreach (var alert in alerts)
        {
            writer.WriteStartObject();
            writer.WriteString("name", alert.Name);
            writer.WriteString("severity", alert.Severity.ToString().ToLowerInvariant());
            writer.WriteString("startsAt", alert.StartsAt);
            writer.WriteNumber("value", alert.Value);
            writer.WriteNumber("threshold", alert.Threshold);
            writer.WriteString("summary", alert.Summary);
            writer.WriteString("description", alert.Description);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes <see cref="WriteSnapshot"/> to <paramref name="destination"/> with asynchronous I/O.</summary>
    public Task WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
        => JsonSnapshot.WriteAsync(destination, WriteSnapshot, cancellationToken);
}
