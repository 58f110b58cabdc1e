using Jiangwanli.Runtime.Alerts;

namespace Jiangwanli.Runtime.Gc;

/// <summary>Configuration of the <see cref="GcMonitor"/>.</summary>
public sealed class GcMonitorOptions
{
    /// <summary>How often counters are read and alert rules evaluated. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many recent GC pauses are kept for percentiles. Default 1024.</summary>
    public int PauseHistory { get; set; } = 1024;

    /// <summary>How far back pause percentiles (and the p99 rule) look. Default 5 minutes.</summary>
    public TimeSpan PauseWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The alert rules.</summary>
    public GcAlertRules Rules { get; } = new();

    /// <summary>Where alerts are sent besides the observer and the metrics (none by default).</summary>
    public AlertmanagerOptions Alertmanager { get; } = new();
}

/// <summary>
/// The GC alert rules, after the handbook's chapter 4.2 (ReadMemStats polling + Alertmanager).
/// Each rule fires when its condition holds at an evaluation and resolves at the first evaluation
/// where it no longer does.
/// </summary>
public sealed class GcAlertRules
{
    /// <summary><c>JwlGcEphemeralRateHigh</c>: more than this many gen0/gen1 GCs within <see cref="EphemeralWindow"/>. Default 100; 0 disables.</summary>
    public int MaxEphemeralGcs { get; set; } = 100;

    /// <summary>The window of the ephemeral-rate rule. Default 10 s.</summary>
    public TimeSpan EphemeralWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary><c>JwlGcGen2InSteadyState</c>: any gen2 GC within <see cref="Gen2Window"/> once the process has run <see cref="SteadyStateAfter"/>. Default on.</summary>
    public bool AlertOnGen2InSteadyState { get; set; } = true;

    /// <summary>Warm-up time during which gen2 GCs are expected (loading rule packs, lists, caches). Default 2 minutes.</summary>
    public TimeSpan SteadyStateAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long after the last gen2 GC the gen2 alert stays firing. Default 60 s.</summary>
    public TimeSpan Gen2Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>JwlGcHeapNearLimit</c>: committed GC memory above this fraction of the memory limit. Default 0.8; 0 disables.</summary>
    public double HeapLimitRatio { get; set; } = 0.8;

    /// <summary>The pause budget of the p99 and prediction rules. Default 10 ms (the handbook's P99 target was 9 ms).</summary>
    public TimeSpan PauseBudget { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary><c>JwlGcPauseP99OverBudget</c>: p99 of the pauses in the pause window above the budget, given at least this many pauses. Default 20; 0 disables.</summary>
    public int MinPausesForP99 { get; set; } = 20;

    /// <summary><c>JwlGcPredictedPauseOverBudget</c>: the pause model predicts the next pause over budget, once fitted on at least this many GCs. Default 30; 0 disables.</summary>
    public int MinTrainingSamples { get; set; } = 30;
}
