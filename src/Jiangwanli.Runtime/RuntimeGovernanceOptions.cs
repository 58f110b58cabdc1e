using Jiangwanli.Runtime.Gc;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Runtime.Threading;

namespace Jiangwanli.Runtime;

/// <summary>Configuration of everything <see cref="RuntimeGovernance"/> runs (bind to the <c>Runtime</c> config section).</summary>
public sealed class RuntimeGovernanceOptions
{
    /// <summary>Print a gctrace line per GC. Default: on when <c>JWL_GCTRACE=1</c>.</summary>
    public bool GcTrace { get; set; } = Gc.GcTrace.IsEnabledByEnvironment();

    /// <summary>Run the GC monitor (snapshot, alerts, pause model). Default on.</summary>
    public bool GcMonitorEnabled { get; set; } = true;

    /// <summary>Run the memory governor's controller. Default on (it changes nothing unless limits or a request counter are configured, apart from the admission signal).</summary>
    public bool MemoryGovernorEnabled { get; set; } = true;

    /// <summary>Run the thread-pool probe. Default on.</summary>
    public bool ThreadPoolProbeEnabled { get; set; } = true;

    /// <summary>Profiler bounds.</summary>
    public ProfilerOptions Profiler { get; } = new();

    /// <summary>GC monitor, alert rules and Alertmanager.</summary>
    public GcMonitorOptions GcMonitor { get; } = new();

    /// <summary>Memory limit and controller.</summary>
    public MemoryGovernorOptions MemoryGovernor { get; } = new();

    /// <summary>Thread-pool probe.</summary>
    public ThreadPoolProbeOptions ThreadPoolProbe { get; } = new();
}
