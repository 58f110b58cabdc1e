namespace Jiangwanli.Cli.Bench;

/// <summary>
/// The fixed arrival schedule of an open-loop run: request <c>n</c> is due at <c>start + n / rate</c>, whatever the
/// server is doing. Latency is measured from when a request was due, not from when it could finally be sent, so a
/// stalled server is charged for the requests that queued behind the stall — the coordinated-omission correction that
/// wrk2 made standard.
/// </summary>
internal readonly struct OpenLoopSchedule
{
    private readonly long _start;
    private readonly double _ticksPerRequest;

    /// <summary>A schedule of <paramref name="ratePerSecond"/> requests a second from <paramref name="startTimestamp"/>.</summary>
    /// <param name="startTimestamp">When request 0 is due, in timestamp ticks.</param>
    /// <param name="ratePerSecond">Arrival rate; positive.</param>
    /// <param name="timestampFrequency">Ticks per second of the timestamps.</param>
    public OpenLoopSchedule(long startTimestamp, double ratePerSecond, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _start = startTimestamp;
        _ticksPerRequest = timestampFrequency / ratePerSecond;
    }

    /// <summary>When request <paramref name="sequence"/> is due.</summary>
    public long DueTimestamp(long sequence) => _start + (long)(sequence * _ticksPerRequest);

    /// <summary>How many requests fall due in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public long CountDue(long from, long to)
    {
        var first = (long)Math.Ceiling(Math.Max(0, from - _start) / _ticksPerRequest);
        var end = (long)Math.Ceiling(Math.Max(0, to - _start) / _ticksPerRequest);
        return Math.Max(0, end - first);
    }

    /// <summary>
    /// The instant a request's latency is measured from. A request that was already due when a connection became free
    /// to take it (<paramref name="claimed"/> ≥ <paramref name="due"/>) waited because every connection was busy with
    /// the server: it is measured from <paramref name="due"/>. A request claimed early by an idle connection that then
    /// slept until it was due is measured from <paramref name="sent"/>: any lateness there is the client's own timer
    /// slack (about a millisecond), not the server's doing.
    /// </summary>
    public static long LatencyOrigin(long due, long claimed, long sent) => claimed >= due ? due : sent;
}
