namespace Jiangwanli.Cli.Bench;

/// <summary>
/// One client connection of a run. The run drives it from one task at a time; only <see cref="Abort"/> is called from
/// another thread (the timeout watchdog, and the end of the run).
/// </summary>
internal interface ILoadConnection : IDisposable
{
    /// <summary>True when the next <see cref="ExchangeAsync"/> can go out without connecting first.</summary>
    bool IsConnected { get; }

    /// <summary>Opens the connection; false when that failed (the caller counts it and backs off).</summary>
    ValueTask<bool> ConnectAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Sends request <paramref name="sequence"/> of the corpus and reads the whole response. <paramref name="startMicros"/>
    /// is the request's start (its intended send time in an open loop) in microseconds since the Unix epoch, sent as
    /// its request-start stamp when the corpus carries one.
    /// </summary>
    ValueTask<ExchangeOutcome> ExchangeAsync(long sequence, long startMicros);

    /// <summary>Drops the connection, failing an exchange in progress; safe from any thread, at any time.</summary>
    void Abort();
}
