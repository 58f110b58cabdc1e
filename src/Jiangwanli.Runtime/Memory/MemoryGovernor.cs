using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime;
using System.Text.Json;

namespace Jiangwanli.Runtime.Memory;

/// <summary>
/// GOMEMLIMIT and the dynamic-GOGC controller of the handbook's chapter 4.1, for .NET. It applies a
/// hard heap limit (<c>AppContext.SetData("GCHeapHardLimit", …)</c> + <see cref="GC.RefreshMemoryLimit"/>),
/// changeable at run time through <see cref="Update"/>, and every interval adapts what .NET lets a
/// process adapt from its request rate and heap utilisation:
/// <list type="bullet">
/// <item>the GC latency mode: <c>SustainedLowLatency</c> under high load (no blocking full GCs while
/// busy), back to the start mode under light load or memory pressure;</item>
/// <item>an admission signal, <see cref="AdmissionPressure"/> (0..1) and <see cref="AdmissionLevel"/>,
/// that the server's admission control reads to shrink its concurrency before the heap hits the limit;</item>
/// <item>the hard limit itself, within configured bounds: raised a step when utilisation is high,
/// lowered toward its base when the load and utilisation are low.</item>
/// </list>
/// Every action goes to the observer and the <c>jiangwanli.runtime.governor.actions</c> counter.
/// </summary>
public sealed class MemoryGovernor : IDisposable, IAsyncDisposable
{
    private const int ActionHistory = 32;

    private readonly MemoryGovernorOptions _options;
    private readonly IGcControl _control;
    private readonly RuntimeObserver _observer;
    private readonly TimeProvider _timeProvider;
    private readonly RecurringWork _work;
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _actions;
    private readonly Lock _gate = new();
    private readonly long _baselineBytes;
    private readonly GCLatencyMode _startMode;
    private readonly Queue<GovernorAction> _history = new();

    // ---- guarded by _gate ----
    private MemoryLimit? _base;
    private MemoryLimit? _min;
    private MemoryLimit? _max;
    private bool _adaptLatencyMode;
    private long _appliedBytes;
    private long _lastRequests = -1;
    private long _lastRequestsAt;
    private double _requestRate;
    private double _utilization;
    private long _limitBytes;
    private long _lastLimitChange;
    private bool _latencyModeUnsupported;
    private int _level; // an AdmissionLevel, int for Volatile
    private double _pressure;

    /// <summary>Creates a governor; <see cref="Start"/> applies the configured limit and starts the controller.</summary>
    /// <param name="options">Limits, bounds and thresholds; defaults (no limit, no adaptation of it) when null.</param>
    /// <param name="observer">Receives every action.</param>
    /// <param name="timeProvider">Clock and timer; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/>; a private meter when null.</param>
    public MemoryGovernor(
        MemoryGovernorOptions? options = null,
        RuntimeObserver? observer = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null)
        : this(options, observer, timeProvider, meterFactory, ProcessGcControl.Instance)
    {
    }

    internal MemoryGovernor(
        MemoryGovernorOptions? options,
        RuntimeObserver? observer,
        TimeProvider? timeProvider,
        IMeterFactory? meterFactory,
        IGcControl control)
    {
        _options = options ?? new MemoryGovernorOptions();
        _control = control;
        _observer = observer ?? RuntimeObserver.None;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _baselineBytes = control.TotalAvailableMemoryBytes;
        _limitBytes = _baselineBytes;
        _startMode = control.LatencyMode;
        _base = _options.Limit;
        _min = _options.MinLimit;
        _max = _options.MaxLimit;
        _adaptLatencyMode = _options.AdaptLatencyMode;
        _lastLimitChange = _timeProvider.GetTimestamp() - (long)(_options.LimitCooldown.TotalSeconds * _timeProvider.TimestampFrequency);

        _meter = RuntimeMeter.Create(meterFactory, out _ownsMeter);
        _actions = _meter.CreateCounter<long>(
            "jiangwanli.runtime.governor.actions", "{action}", "Memory governor actions, by action and outcome.");
        _meter.CreateObservableGauge("jiangwanli.runtime.memory.limit", () => Volatile.Read(ref _limitBytes), "By", "The GC's memory limit.");
        _meter.CreateObservableGauge("jiangwanli.runtime.memory.utilization", () => Utilization, "1", "Used GC memory over the limit.");
        _meter.CreateObservableGauge("jiangwanli.runtime.admission.pressure", () => AdmissionPressure, "1", "Admission pressure from heap utilisation (0..1).");
        _work = new RecurringWork(_timeProvider, _options.Interval, Evaluate, ex => _observer.SafeError("memory-governor", ex));
    }

    /// <summary>
    /// Admission pressure in [0, 1]: 0 below <see cref="MemoryGovernorOptions.AdmissionSoftRatio"/>
    /// of the limit, 1 at <see cref="MemoryGovernorOptions.AdmissionHardRatio"/>, linear between.
    /// A lock-free read for the server's admission control (e.g. scale its limit by 1 − pressure).
    /// </summary>
    public double AdmissionPressure => Volatile.Read(ref _pressure);

    /// <summary>The admission level derived from <see cref="AdmissionPressure"/>.</summary>
    public AdmissionLevel AdmissionLevel => (AdmissionLevel)Volatile.Read(ref _level);

    /// <summary>The memory limit the GC reports (hard limit, container limit or physical memory), as of the last evaluation.</summary>
    public long LimitBytes => Volatile.Read(ref _limitBytes);

    /// <summary>Used GC memory over the limit at the last evaluation.</summary>
    public double Utilization
    {
        get
        {
            lock (_gate)
            {
                return _utilization;
            }
        }
    }

    /// <summary>The memory the runtime had available when the governor was created: the reference of percentage limits.</summary>
    public long BaselineBytes => _baselineBytes;

    /// <summary>Applies the configured limit (if any) and starts the controller.</summary>
    public void Start()
    {
        lock (_gate)
        {
            var target = StartTarget();
            if (target > 0)
            {
                ApplyLimit(target, GovernorActionKind.LimitSet, "configuration");
            }
        }

        _work.Fire();
        _work.Start();
    }

    /// <summary>Stops the controller. The limit and latency mode stay as they are.</summary>
    public ValueTask StopAsync() => _work.StopAsync();

    /// <summary>
    /// Changes the limit, the adaptation bounds and/or the latency-mode adaptation now (the
    /// <c>PUT /admin/runtime</c> handler). A limit the runtime refuses — below what is already
    /// committed — leaves the previous limit in force and fails the update.
    /// </summary>
    public GovernorUpdateResult Update(MemoryGovernorUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_gate)
        {
            var previous = _control.TotalAvailableMemoryBytes;
            if (update.SetsBounds)
            {
                var min = update.MinLimit?.Resolve(_baselineBytes) ?? 0;
                var max = update.MaxLimit?.Resolve(_baselineBytes) ?? 0;
                if (min > 0 && max > 0 && min > max)
                {
                    return new GovernorUpdateResult(false, "minLimit is above maxLimit", previous, previous);
                }

                _min = update.MinLimit;
                _max = update.MaxLimit;
            }

            if (update.AdaptLatencyMode is { } adapt)
            {
                _adaptLatencyMode = adapt;
                if (!adapt && _control.LatencyMode != _startMode)
                {
                    SetLatencyMode(_startMode, "adaptation turned off");
                }
            }

            var succeeded = true;
            string? message = null;
            if (update.SetsLimit)
            {
                if (update.Limit is { } limit)
                {
                    var bytes = limit.Resolve(_baselineBytes);
                    if (!ApplyLimit(bytes, GovernorActionKind.LimitSet, "admin"))
                    {
                        succeeded = false;
                        message = string.Create(
                            CultureInfo.InvariantCulture,
                            $"the runtime refused a limit of {bytes} bytes (is it below committed memory, {_control.UsedBytes} bytes?)");
                    }
                    else
                    {
                        _base = limit;
                    }
                }
                else
                {
                    succeeded = ApplyLimit(0, GovernorActionKind.LimitCleared, "admin");
                    message = succeeded ? null : "the runtime refused to remove the limit";
                    if (succeeded)
                    {
                        _base = null;
                    }
                }
            }

            var now = _control.TotalAvailableMemoryBytes;
            Volatile.Write(ref _limitBytes, now);
            return new GovernorUpdateResult(succeeded, message, previous, now);
        }
    }

    /// <summary>Runs the controller once now (what each timer tick does).</summary>
    internal void Evaluate()
    {
        var now = _timeProvider.GetTimestamp();
        var requests = _options.RequestCount?.Invoke() ?? -1;
        lock (_gate)
        {
            if (requests >= 0)
            {
                if (_lastRequests >= 0)
                {
                    var seconds = _timeProvider.GetElapsedTime(_lastRequestsAt, now).TotalSeconds;
                    if (seconds > 0)
                    {
                        _requestRate = Math.Max(0, requests - _lastRequests) / seconds;
                    }
                }

                _lastRequests = requests;
                _lastRequestsAt = now;
            }

            var limit = _control.TotalAvailableMemoryBytes;
            var used = _control.UsedBytes;
            Volatile.Write(ref _limitBytes, limit);
            _utilization = limit > 0 ? (double)used / limit : 0;

            UpdateAdmission();
            if (_adaptLatencyMode && !_latencyModeUnsupported)
            {
                AdaptLatencyMode();
            }

            AdaptLimit(now, used);
        }
    }

    private void UpdateAdmission()
    {
        var soft = _options.AdmissionSoftRatio;
        var hard = Math.Max(soft + 1e-9, _options.AdmissionHardRatio);
        var pressure = Math.Clamp((_utilization - soft) / (hard - soft), 0, 1);
        Volatile.Write(ref _pressure, pressure);
        var level = pressure >= 1 ? AdmissionLevel.Shed : pressure > 0 ? AdmissionLevel.Throttle : AdmissionLevel.Normal;
        if ((int)level != _level)
        {
            var from = (AdmissionLevel)_level;
            Volatile.Write(ref _level, (int)level);
            Report(new GovernorAction(
                GovernorActionKind.AdmissionLevelChanged, true, Name(from), Name(level),
                string.Create(CultureInfo.InvariantCulture, $"heap utilisation {_utilization:0.00} (pressure {pressure:0.00})"),
                _timeProvider.GetUtcNow()));
        }
    }

    private void AdaptLatencyMode()
    {
        var current = _control.LatencyMode;
        GCLatencyMode desired;
        string reason;
        var c = CultureInfo.InvariantCulture;
        if (_utilization >= _options.RaiseRatio)
        {
            // Under memory pressure the GC must be free to run blocking, compacting full GCs.
            desired = _startMode;
            reason = string.Create(c, $"heap utilisation {_utilization:0.00} ≥ {_options.RaiseRatio:0.00}");
        }
        else if (_requestRate >= _options.HighLoadRequestsPerSecond)
        {
            desired = GCLatencyMode.SustainedLowLatency;
            reason = string.Create(c, $"request rate {_requestRate:0} /s ≥ {_options.HighLoadRequestsPerSecond:0} /s");
        }
        else if (_requestRate <= _options.LowLoadRequestsPerSecond)
        {
            desired = _startMode;
            reason = string.Create(c, $"request rate {_requestRate:0} /s ≤ {_options.LowLoadRequestsPerSecond:0} /s");
        }
        else
        {
            return; // between the thresholds: keep the mode (hysteresis)
        }

        if (desired != current)
        {
            SetLatencyMode(desired, reason);
        }
    }

    private void SetLatencyMode(GCLatencyMode desired, string reason)
    {
        var current = _control.LatencyMode;
        _control.LatencyMode = desired;
        var applied = _control.LatencyMode == desired;
        if (!applied)
        {
            // E.g. SustainedLowLatency without concurrent GC: the runtime ignores it. Stop trying.
            _latencyModeUnsupported = true;
        }

        Report(new GovernorAction(
            GovernorActionKind.LatencyModeChanged, applied, current.ToString(), desired.ToString(), reason, _timeProvider.GetUtcNow()));
    }

    private void AdaptLimit(long now, long used)
    {
        if (!TryBounds(out var min, out var max)
            || _timeProvider.GetElapsedTime(_lastLimitChange, now) < _options.LimitCooldown)
        {
            return;
        }

        var current = _appliedBytes > 0 ? _appliedBytes : _control.TotalAvailableMemoryBytes;
        var step = Math.Clamp(_options.LimitStep, 0.01, 1);
        var c = CultureInfo.InvariantCulture;
        if (_utilization >= _options.RaiseRatio && current < max)
        {
            var target = Math.Min(max, (long)(current * (1 + step)));
            ApplyLimit(target, GovernorActionKind.LimitRaised, string.Create(c, $"heap utilisation {_utilization:0.00} ≥ {_options.RaiseRatio:0.00}"));
            _lastLimitChange = now;
        }
        else if (_utilization <= _options.LowerRatio && _requestRate <= _options.LowLoadRequestsPerSecond)
        {
            var floor = Math.Max(min, _base?.Resolve(_baselineBytes) ?? min);

            // Never step below what is in use plus headroom: the runtime would refuse it anyway.
            var target = Math.Max(floor, Math.Max((long)(current * (1 - step)), (long)(used / Math.Max(0.1, _options.LowerRatio))));
            if (target < current)
            {
                ApplyLimit(target, GovernorActionKind.LimitLowered, string.Create(
                    c, $"heap utilisation {_utilization:0.00} ≤ {_options.LowerRatio:0.00} at {_requestRate:0} requests/s"));
                _lastLimitChange = now;
            }
        }
    }

    private bool TryBounds(out long min, out long max)
    {
        min = _min?.Resolve(_baselineBytes) ?? 0;
        max = _max?.Resolve(_baselineBytes) ?? 0;
        return min > 0 && max > min;
    }

    private long StartTarget()
    {
        var target = _base?.Resolve(_baselineBytes) ?? 0;
        if (TryBounds(out var min, out var max))
        {
            target = target > 0 ? Math.Clamp(target, min, max) : min;
        }

        return target;
    }

    /// <summary>Applies a hard limit (0 removes it) and reports the action; false when the runtime refused.</summary>
    private bool ApplyLimit(long bytes, GovernorActionKind kind, string reason)
    {
        var from = _appliedBytes;
        bool succeeded;
        try
        {
            _control.ApplyHardLimit(bytes);
            _appliedBytes = bytes;
            succeeded = true;
        }
        catch (InvalidOperationException)
        {
            succeeded = false;
        }

        Volatile.Write(ref _limitBytes, _control.TotalAvailableMemoryBytes);
        Report(new GovernorAction(kind, succeeded, Describe(from), Describe(bytes), reason, _timeProvider.GetUtcNow()));
        return succeeded;
    }

    private void Report(GovernorAction action)
    {
        _history.Enqueue(action);
        while (_history.Count > ActionHistory)
        {
            _history.Dequeue();
        }

        _actions.Add(
            1,
            new KeyValuePair<string, object?>("action", ActionName(action.Kind)),
            new KeyValuePair<string, object?>("outcome", action.Succeeded ? "ok" : "failed"));
        _observer.SafeAction(action);
    }

    /// <summary>Writes the <c>GET /admin/runtime</c> document: limit, bounds, load, admission, latency mode, recent actions.</summary>
    public void WriteSnapshot(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        lock (_gate)
        {
            writer.WriteStartObject();
            writer.WriteStartObject("limit");
            writer.WriteNumber("effectiveBytes", _control.TotalAvailableMemoryBytes);
            writer.WriteNumber("hardLimitBytes", _appliedBytes);
            WriteLimit(writer, "configured", _base);
            WriteLimit(writer, "minLimit", _min);
            WriteLimit(writer, "maxLimit", _max);
            writer.WriteNumber("baselineBytes", _baselineBytes);
            writer.WriteBoolean("adaptive", TryBounds(out _, out _));
            writer.WriteEndObject();
            writer.WriteNumber("utilization", Math.Round(_utilization, 4));
            writer.WriteNumber("requestsPerSecond", Math.Round(_requestRate, 1));
            writer.WriteStartObject("admission");
            writer.WriteNumber("pressure", Math.Round(_pressure, 4));
            writer.WriteString("level", Name((AdmissionLevel)_level));
            writer.WriteEndObject();
            writer.WriteStartObject("latencyMode");
            writer.WriteString("current", _control.LatencyMode.ToString());
            writer.WriteString("start", _startMode.ToString());
            writer.WriteBoolean("adaptive", _adaptLatencyMode && !_latencyModeUnsupported);
            writer.WriteEndObject();
            writer.WriteStartArray("actions");
            foreach (var action in _history.Reverse())
            {
                writer.WriteStartObject();
                writer.WriteString("at", action.At);
                writer.WriteString("action", ActionName(action.Kind));
                writer.WriteBoolean("succeeded", action.Succeeded);
                writer.WriteString("from", action.From);
                writer.WriteString("to", action.To);
                writer.WriteString("reason", action.Reason);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    /// <summary>Writes <see cref="WriteSnapshot"/> to <paramref name="destination"/> with asynchronous I/O.</summary>
    public Task WriteSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
        => JsonSnapshot.WriteAsync(destination, WriteSnapshot, cancellationToken);

    private static void WriteLimit(Utf8JsonWriter writer, string name, MemoryLimit? limit)
    {
        if (limit is { } value)
        {
            writer.WriteString(name, value.ToString());
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static string Describe(long bytes) =>
        bytes <= 0 ? "none" : bytes.ToString(CultureInfo.InvariantCulture);

    private static string Name(AdmissionLevel level) => level switch
    {
        AdmissionLevel.Throttle => "throttle",
        AdmissionLevel.Shed => "shed",
        _ => "normal",
    };

    private static string ActionName(GovernorActionKind kind) => kind switch
    {
        GovernorActionKind.LimitSet => "limit.set",
        GovernorActionKind.LimitCleared => "limit.cleared",
        GovernorActionKind.LimitRaised => "limit.raised",
        GovernorActionKind.LimitLowered => "limit.lowered",
        GovernorActionKind.LatencyModeChanged => "latency_mode.changed",
        GovernorActionKind.AdmissionLevelChanged => "admission.changed",
        _ => "unknown",
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _work.StopAsync().ConfigureAwait(false);
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _work.Dispose();
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
