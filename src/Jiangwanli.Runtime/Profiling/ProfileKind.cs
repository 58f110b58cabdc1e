namespace Jiangwanli.Runtime.Profiling;

/// <summary>What a profile measures.</summary>
public enum ProfileKind
{
    /// <summary>CPU (or wall-clock) stack samples.</summary>
    Cpu,

    /// <summary>Sampled allocations by type and stack.</summary>
    Allocations,
}

/// <summary>Which thread samples a CPU profile keeps.</summary>
public enum CpuSampleMode
{
    /// <summary>
    /// Samples of threads running code: every sample taken in managed code, plus samples in native
    /// code unless the thread is parked in a known wait (semaphores, sleeps, monitor waits, the socket
    /// event loop); idle thread-pool workers spinning for work are dropped too. What
    /// <c>go tool pprof</c> users expect from a CPU profile — with the caveat that EventPipe samples
    /// thread state, so a runnable thread waiting for a core counts as running.
    /// </summary>
    Cpu,

    /// <summary>Every sample of every managed thread, waiting or not (thread time).</summary>
    Wall,
}
