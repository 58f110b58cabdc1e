using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Jiangwanli.Runtime.Alerts;
using Jiangwanli.Runtime.Prediction;

namespace Jiangwanli.Runtime.Gc;

/// <summary>
/// The <c>runtime.ReadMemStats</c> analog with alerting (handbook chapter 4.2): every
/// <see cref="GcMonitorOptions.Interval"/> it reads the GC counters and the last GC's memory info,
/// keeps recent pauses from the <see cref="GcEventFeed"/>, fits the <see cref="PausePredictor"/>,
/// and evaluates the <see cref="GcAlertRules"/>. Alerts go to the observer, to metrics, and to
/// Alertmanager when configured. <see cref="WriteSnapshot"/> renders <c>/debug/gc</c>.
/// </summary>
public sealed partial class GcMonitor : IDisposable, IAsyncDisposable
{
    private const double Mb = 1024.0 * 1024.0;
    private const int RecentRecords = 16;

    private readonly GcMonitorOptions _options;
    private readonly IGcStatsSource _source;
    private readonly RuntimeObserver _observer;
    private readonly TimeProvider _timeProvider;
    private readonly PausePredictor _predictor;
    private readonly GcEventFeed? _ownedFeed;
    private readonly IDisposable _subscription;
    private readonly RecurringWork _work;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Histogram<double> _pauseHistogram;
    private readonly Counter<long> _alertCounter;
    private readonly AlertmanagerNotifier? _notifier;
    private readonly Lock _lock = new();

    // ---- state guarded by _lock ----
    private readonly Queue<Tick> _ticks = new();
    private readonly SampleRing _pauses;
    private readonly Queue<GcRecord> _recent = new();
    private readonly Dictionary<string, RuntimeAlert> _active = new(StringComparer.Ordinal);
    private readonly long _startTimestamp;
    private GcStats _latest;
    private double _allocationRate;
    private long _lastHeapAfter = -1;
    private double _lastEphemeralPauseMs = -1;
    private long _steadyCount2 = -1;
    private long _lastResend;

    /// <summary>Creates a monitor. Call <see cref="Start"/> to begin periodic evaluation.</summary>
    /// <param name="options">Intervals, rules, Alertmanager; defaults when null.</param>
    /// <param name="feed">A shared GC feed; the monitor creates and owns one when null.</param>
    /// <param name="observer">Receives alerts and errors.</param>
    /// <param name="timeProvider">Clock and timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/>; a private meter when null.</param>
    public GcMonitor(
        GcMonitorOptions? options = null,
        GcEventFeed? feed = null,
        RuntimeObserver? observer = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
        : this(options, feed, observer, timeProvider, meterFactory, ProcessGcStats.Instance, predictor: null)
    {
    }

    internal GcMonitor(
        GcMonitorOptions? options,
        GcEventFeed? feed,
        RuntimeObserver? observer,
        TimeProvider? timeProvider,
        IMeterFactory? meterFactory,
        IGcStatsSource source,
        PausePredictor? predictor)
    {
        _options = options ?? new GcMonitorOptions();
        _source = source;
        _observer = observer ?? RuntimeObserver.None;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _predictor = predictor ?? new PausePredictor();
        _pauses = new SampleRing(Math.Max(16, _options.PauseHistory));
        _startTimestamp = _timeProvider.GetTimestamp();
        _latest = _source.Read(_startTimestamp);
        _lastResend = _startTimestamp;

        _meter = RuntimeMeter.Create(meterFactory, out _ownsMeter);
        _pauseHistogram = _meter.CreateHistogram<double>(
            "jiangwanli.runtime.gc.pause", "s", "GC pause (threads suspended), per GC.", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = RuntimeMeter.LatencyBuckets });
        _alertCounter = _meter.CreateCounter<long>(
            "jiangwanli.runtime.gc.alerts", "{alert}", "GC alert transitions, by alertname and state.");
        _meter.CreateObservableGauge("jiangwanli.runtime.gc.alerts.active", () => ActiveAlertCount, "{alert}", "GC alerts firing now.");
        _meter.CreateObservableGauge(
            "jiangwanli.runtime.gc.pause.predicted", () => PredictedNextPause.TotalSeconds, "s", "The pause model's prediction for the next GC.");
        _meter.CreateObservableGauge(
            "jiangwanli.runtime.gc.pause.prediction_error", () => _predictor.Model.MeanAbsoluteErrorMs / 1000.0, "s",
            "Rolling mean absolute error of the pause model.");
        _meter.CreateObservableGauge(
            "jiangwanli.runtime.gc.allocation_rate", () => AllocationRate, "By/s", "Bytes allocated per second over the last window.");
        _meter.CreateObservableGauge(
            "jiangwanli.runtime.gc.heap.utilization", () => HeapUtilization, "1", "Committed GC memory over the memory limit.");

        if (_options.Alertmanager.Url is not null)
        {
            _notifier = new AlertmanagerNotifier(_options.Alertmanager, _timeProvider, _observer, _meter);
        }

        if (feed is null)
        {
            _ownedFeed = new GcEventFeed();
            feed = _ownedFeed;
        }

        _subscription = feed.Subscribe(OnGc);
        _work = new RecurringWork(_timeProvider, _options.Interval, Evaluate, ex => _observer.SafeError("gc-monitor", ex));
    }

    /// <summary>Alerts firing now.</summary>
    public IReadOnlyList<RuntimeAlert> ActiveAlerts
    {
        get
        {
            lock (_lock)
            {
                return [.. _active.Values];
            }
        }
    }

    /// <summary>The fitted pause model and its error.</summary>
    public PauseModel PauseModel => _predictor.Model;

    /// <summary>The predicted pause of the next (ephemeral) GC.</summary>
    public TimeSpan PredictedNextPause
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromMilliseconds(_predictor.PredictMs(CurrentFeatures()));
            }
        }
    }

    /// <summary>Bytes allocated per second, over the ephemeral-rule window.</summary>
    public double AllocationRate
    {
        get
        {
            lock (_lock)
            {
                return _allocationRate;
            }
        }
    }

    /// <summary>Committed GC memory over the memory limit at the last evaluation.</summary>
    public double HeapUtilization
    {
        get
        {
            lock (_lock)
            {
                return _latest.LimitBytes > 0 ? (double)_latest.CommittedBytes / _latest.LimitBytes : 0;
            }
        }
    }

    private int ActiveAlertCount
    {
        get
        {
            lock (_lock)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Evaluates once now and then every interval.</summary>
    public void Start()
    {
        _work.Fire();
        _work.Start();
    }

    /// <summary>Stops evaluating (waits for an evaluation in progress).</summary>
    public ValueTask StopAsync() => _work.StopAsync();

    /// <summary>Reads counters and evaluates the alert rules now (what each timer tick does).</summary>
    internal void Evaluate()
    {
        var now = _timeProvider.GetTimestamp();
        var stats = _source.Read(now);
        var utcNow = _timeProvider.GetUtcNow();
        List<RuntimeAlert>? transitions = null;
        RuntimeAlert[]? resend = null;
        lock (_lock)
        {
            Record(stats);
            foreach (var rule in EvaluateRules(stats, now))
            {
                var active = _active.GetValueOrDefault(rule.Name);
                if (rule.Firing)
                {
                    var alert = new RuntimeAlert(
                        rule.Name, rule.Severity, AlertState.Firing, rule.Summary, rule.Description, rule.Value, rule.Threshold,
                        active?.StartsAt ?? utcNow, EndsAt: null);
                    _active[rule.Name] = alert;
                    if (active is null)
                    {
                        (transitions ??= []).Add(alert);
                    }
                }
                else if (active is not null)
                {
                    _active.Remove(rule.Name);
                    (transitions ??= []).Add(active with { State = AlertState.Resolved, Value = rule.Value, EndsAt = utcNow });
                }
            }

            var resendEvery = _options.Alertmanager.ResendInterval;
            if (_notifier is not null && resendEvery > TimeSpan.Zero && _timeProvider.GetElapsedTime(_lastResend, now) >= resendEvery)
            {
                _lastResend = now;
                resend = [.. _active.Values];
            }
        }

        if (transitions is not null)
        {
            foreach (var alert in transitions)
            {
                _observer.SafeAlert(alert);
                _alertCounter.Add(
                    1,
                    new KeyValuePair<string, object?>("alertname", alert.Name),
                    new KeyValuePair<string, object?>("state", alert.State == AlertState.Firing ? "firing" : "resolved"));
            }
        }

        if (_notifier is not null)
        {
            var batch = new List<RuntimeAlert>();
            if (transitions is not null)
            {
                batch.AddRange(transitions);
            }

            if (resend is not null)
            {
                foreach (var alert in resend)
                {
                    if (transitions is null || !transitions.Exists(t => string.Equals(t.Name, alert.Name, StringComparison.Ordinal)))
                    {
                        batch.Add(alert);
                    }
                }
            }

            _notifier.Enqueue([.. batch]);
        }
    }

    private void Record(GcStats stats)
    {
        _latest = stats;
        _ticks.Enqueue(new Tick(stats.Timestamp, stats.Count0, stats.Count2, stats.TotalAllocatedBytes));
        // Keep just enough readings to span the longest rule window: by age, and by count so that
        // evaluations more frequent than the interval cannot grow the queue (Baseline scans it).
        var keep = Max(_options.Rules.EphemeralWindow, _options.Rules.Gen2Window) + _options.Interval + _options.Interval;
        var maxTicks = (int)Math.Min(4096, Math.Ceiling(keep / _options.Interval) + 2);
        while (_ticks.Count > 1
            && (_ticks.Count > maxTicks || _timeProvider.GetElapsedTime(_ticks.Peek().Timestamp, stats.Timestamp) > keep))
        {
            _ticks.Dequeue();
        }

        var baseline = Baseline(stats.Timestamp, _options.Rules.EphemeralWindow);
        var seconds = _timeProvider.GetElapsedTime(baseline.Timestamp, stats.Timestamp).TotalSeconds;
        if (seconds > 0)
        {
            _allocationRate = Math.Max(0, stats.TotalAllocatedBytes - baseline.TotalAllocatedBytes) / seconds;
        }

        if (_steadyCount2 < 0 && _timeProvider.GetElapsedTime(_startTimestamp, stats.Timestamp) >= _options.Rules.SteadyStateAfter)
        {
            _steadyCount2 = stats.Count2;
        }
    }

    /// <summary>The newest reading at least <paramref name="window"/> old, else the oldest kept.</summary>
    private Tick Baseline(long now, TimeSpan window)
    {
        var cutoff = now - (long)(window.TotalSeconds * _timeProvider.TimestampFrequency);
        var best = _ticks.Peek();
        foreach (var tick in _ticks)
        {
            if (tick.Timestamp > cutoff)
            {
                break; // readings are in time order
            }

            best = tick;
        }

        return best;
    }

    private List<RuleResult> EvaluateRules(GcStats stats, long now)
    {
        var rules = _options.Rules;
        var results = new List<RuleResult>(5);
        var c = CultureInfo.InvariantCulture;

        if (rules.MaxEphemeralGcs > 0)
        {
            var baseline = Baseline(now, rules.EphemeralWindow);
            var ephemeral = (stats.Count0 - stats.Count2) - (baseline.Count0 - baseline.Count2);
            var firing = ephemeral > rules.MaxEphemeralGcs;
            results.Add(new RuleResult(
                "JwlGcEphemeralRateHigh", firing, AlertSeverity.Warning, ephemeral, rules.MaxEphemeralGcs, "Too many gen0/gen1 GCs",
                firing
                    ? string.Create(c, $"{ephemeral} gen0/gen1 GCs in {rules.EphemeralWindow.TotalSeconds:0.#} s (limit {rules.MaxEphemeralGcs}); allocation rate {_allocationRate / Mb:0.#} MB/s")
                    : string.Empty));
        }

        if (rules.AlertOnGen2InSteadyState)
        {
            long gen2 = 0;
            if (_steadyCount2 >= 0)
            {
                var baseline = Math.Max(Baseline(now, rules.Gen2Window).Count2, _steadyCount2);
                gen2 = Math.Max(0, stats.Count2 - baseline);
            }

            var firing = gen2 > 0;
            results.Add(new RuleResult(
                "JwlGcGen2InSteadyState", firing, AlertSeverity.Warning, gen2, 0, "Gen2 GC in steady state",
                firing
                    ? string.Create(c, $"{gen2} gen2 GCs in the last {rules.Gen2Window.TotalSeconds:0.#} s after warm-up; heap {stats.HeapSizeBytes / Mb:0.#} MB")
                    : string.Empty));
        }

        if (rules.HeapLimitRatio > 0 && stats.LimitBytes > 0)
        {
            var ratio = (double)stats.CommittedBytes / stats.LimitBytes;
            var firing = ratio > rules.HeapLimitRatio;
            results.Add(new RuleResult(
                "JwlGcHeapNearLimit", firing, ratio > 0.95 ? AlertSeverity.Critical : AlertSeverity.Warning, ratio, rules.HeapLimitRatio,
                "GC heap near the memory limit",
                firing
                    ? string.Create(c, $"committed {stats.CommittedBytes / Mb:0.#} MB of {stats.LimitBytes / Mb:0.#} MB ({ratio:P0}, threshold {rules.HeapLimitRatio:P0})")
                    : string.Empty));
        }

        var budgetMs = rules.PauseBudget.TotalMilliseconds;
        if (rules.MinPausesForP99 > 0)
        {
            var window = _pauses.SortedSince(now - (long)(_options.PauseWindow.TotalSeconds * _timeProvider.TimestampFrequency));
            var p99 = Percentiles.NearestRank(window, 99);
            var firing = window.Length >= rules.MinPausesForP99 && p99 > budgetMs;
            results.Add(new RuleResult(
                "JwlGcPauseP99OverBudget", firing, AlertSeverity.Warning, p99, budgetMs, "GC pause p99 over budget",
                firing
                    ? string.Create(c, $"p99 {p99:0.###} ms over {window.Length} GCs in {_options.PauseWindow.TotalMinutes:0.#} min (budget {budgetMs:0.###} ms)")
                    : string.Empty));
        }

        if (rules.MinTrainingSamples > 0)
        {
            var model = _predictor.Model;
            var predicted = _predictor.PredictMs(CurrentFeatures());
            var firing = model.Samples >= rules.MinTrainingSamples && predicted > budgetMs;
            results.Add(new RuleResult(
                "JwlGcPredictedPauseOverBudget", firing, AlertSeverity.Warning, predicted, budgetMs, "Next GC pause predicted over budget",
                firing
                    ? string.Create(c, $"predicted {predicted:0.###} ms (budget {budgetMs:0.###} ms; model MAE {model.MeanAbsoluteErrorMs:0.###} ms over {model.Samples} GCs)")
                    : string.Empty));
        }

        return results;
    }

    private void OnGc(GcRecord record)
    {
        var pauseMs = record.Pause.TotalMilliseconds;
        if (_pauseHistogram.Enabled)
        {
            _pauseHistogram.Record(record.Pause.TotalSeconds, new KeyValuePair<string, object?>("gc.generation", record.Generation));
        }

        lock (_lock)
        {
            _pauses.Add(_timeProvider.GetTimestamp(), pauseMs);
            _recent.Enqueue(record);
            while (_recent.Count > RecentRecords)
            {
                _recent.Dequeue();
            }

            // The model predicts the next GC, which is nearly always ephemeral: it learns from
            // gen0/gen1 pauses only (full GCs are rare outliers with their own alert).
            if (record.Generation < 2 && _lastHeapAfter >= 0 && _lastEphemeralPauseMs >= 0)
            {
                _predictor.Observe(CurrentFeatures(), pauseMs);
            }

            if (record.Generation < 2)
            {
                _lastEphemeralPauseMs = pauseMs;
            }

            if (record.HeapAfterBytes >= 0)
            {
                _lastHeapAfter = record.HeapAfterBytes;
            }
        }
    }

    private PauseFeatures CurrentFeatures() =>
        new(_allocationRate / Mb, Math.Max(0, _lastHeapAfter) / Mb, Math.Max(0, _lastEphemeralPauseMs));

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>Stops evaluation and the feed (if owned), and flushes queued Alertmanager posts.</summary>
    public async ValueTask DisposeAsync()
    {
        await _work.StopAsync().ConfigureAwait(false);
        _subscription.Dispose();
        _ownedFeed?.Dispose();
        if (_notifier is not null)
        {
            await _notifier.DisposeAsync().ConfigureAwait(false);
        }

        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One rule's verdict; the description is only formatted for a firing rule (string formatting is most of an evaluation's cost).</summary>
    private readonly record struct RuleResult(
        string Name, bool Firing, AlertSeverity Severity, double Value, double Threshold, string Summary, string Description);

    /// <summary>The counters the rule windows need, per evaluation.</summary>
    private readonly record struct Tick(long Timestamp, long Count0, long Count2, long TotalAllocatedBytes);
}
