using System.Diagnostics.Metrics;
using Jiangwanli.Runtime.Gc;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Runtime.Threading;

namespace Jiangwanli.Runtime;

/// <summary>
/// Everything of the runtime library, wired together for the host: one GC feed shared by the
/// gctrace and the monitor, one profile gate shared by both profilers, one meter source.
/// Create it at startup, call <see cref="Start"/>, and <see cref="StopAsync"/> / dispose at shutdown.
/// </summary>
/// <remarks>
/// Start order: feed → gctrace → monitor → governor (applies the configured limit) → probe.
/// Stop order is the reverse, so nothing reads a component that has already stopped.
/// </remarks>
public sealed class RuntimeGovernance : IAsyncDisposable, IDisposable
{
    private readonly RuntimeGovernanceOptions _options;
    private readonly GcEventFeed _feed;
    private int _state; // 0 created, 1 started, 2 stopped

    /// <summary>Creates (but does not start) the components.</summary>
    /// <param name="options">What to run; defaults when null.</param>
    /// <param name="observer">Receives alerts, governor actions and errors (log them).</param>
    /// <param name="timeProvider">Clock and timers; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Source of the <see cref="RuntimeMeter"/> (from DI); private meters when null.</param>
    /// <param name="gcTraceOutput">Where gctrace lines go; standard error when null.</param>
    public RuntimeGovernance(
        RuntimeGovernanceOptions? options = null,
        RuntimeObserver? observer = null,
        TimeProvider? timeProvider = null,
        IMeterFactory? meterFactory = null,
        TextWriter? gcTraceOutput = null)
    {
        _options = options ?? new RuntimeGovernanceOptions();
        observer ??= RuntimeObserver.None;
        timeProvider ??= TimeProvider.System;
        _feed = new GcEventFeed();
        var gate = new ProfileGate();
        CpuProfiler = new CpuProfiler(_options.Profiler, gate, timeProvider, meterFactory);
        AllocationProfiler = new AllocationProfiler(_options.Profiler, gate, timeProvider, meterFactory);
        GcMonitor = new GcMonitor(_options.GcMonitor, _feed, observer, timeProvider, meterFactory);
        MemoryGovernor = new MemoryGovernor(_options.MemoryGovernor, observer, timeProvider, meterFactory);
        ThreadPoolProbe = new ThreadPoolProbe(_options.ThreadPoolProbe, observer, timeProvider, meterFactory);
        GcTraceOutput = gcTraceOutput;
    }

    /// <summary><c>GET /debug/pprof/profile</c>.</summary>
    public CpuProfiler CpuProfiler { get; }

    /// <summary><c>GET /debug/pprof/allocs</c>.</summary>
    public AllocationProfiler AllocationProfiler { get; }

    /// <summary><c>GET /debug/gc</c>, alerts, pause model.</summary>
    public GcMonitor GcMonitor { get; }

    /// <summary><c>GET/PUT /admin/runtime</c>, admission pressure.</summary>
    public MemoryGovernor MemoryGovernor { get; }

    /// <summary><c>GET /debug/threadpool</c>.</summary>
    public ThreadPoolProbe ThreadPoolProbe { get; }

    /// <summary>The gctrace, when enabled and started.</summary>
    public GcTrace? GcTrace { get; private set; }

    private TextWriter? GcTraceOutput { get; }

    /// <summary>Starts what the options enable. Idempotent.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            return;
        }

        if (_options.GcTrace)
        {
            GcTrace = new GcTrace(GcTraceOutput ?? Console.Error, _feed);
        }

        if (_options.GcMonitorEnabled)
        {
            GcMonitor.Start();
        }

        if (_options.MemoryGovernorEnabled)
        {
            MemoryGovernor.Start();
        }

        if (_options.ThreadPoolProbeEnabled)
        {
            ThreadPoolProbe.Start();
        }
    }

    /// <summary>Stops the periodic work (waits for running ticks). Profiles in progress finish on their own.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        await ThreadPoolProbe.StopAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        await MemoryGovernor.StopAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        await GcMonitor.StopAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        GcTrace?.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await ThreadPoolProbe.DisposeAsync().ConfigureAwait(false);
        await MemoryGovernor.DisposeAsync().ConfigureAwait(false);
        await GcMonitor.DisposeAsync().ConfigureAwait(false);
        GcTrace?.Dispose();
        _feed.Dispose();
        CpuProfiler.Dispose();
        AllocationProfiler.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
