namespace Jiangwanli.Cli.Bench;

/// <summary>
/// Runs socket continuations inline on the runtime's epoll threads in the load tool's process
/// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, which also gives one epoll thread per core). By default
/// every completion is queued to the thread pool, and on this 2-core box the idle workers then spin in
/// <c>LowLevelLifoSemaphore.Wait</c> (sched_yield) between bursts: measured with perf, that hop and spin were the
/// client's biggest cost, CPU the server under test then does not get. The client's continuations are short and never
/// block, which is what inline completion needs.
/// </summary>
internal static class SocketCompletionMode
{
    /// <summary>The runtime's switch; read once, when the first socket is set up.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>True when this process turned the switch on (so children should not inherit it).</summary>
    public static bool SetHere { get; private set; }

    /// <summary>
    /// Turns inline completions on for this process unless the variable is already set (the user's choice wins).
    /// Call before the first socket is created; later it has no effect.
    /// </summary>
    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
            SetHere = true;
        }
    }
}
