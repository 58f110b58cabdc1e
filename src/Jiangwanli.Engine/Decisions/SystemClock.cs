using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Jiangwanli.Engine.Decisions;

/// <summary>
/// The system wall clock in Unix milliseconds, derived from a <see cref="Stopwatch"/> timestamp the caller already
/// holds: the wall clock itself is read at most every <see cref="ResyncMilliseconds"/> and advanced by the monotonic
/// clock in between.
/// </summary>
/// <remarks>
/// Why: <see cref="DecisionEngine.Decide"/> already reads the monotonic clock for its evaluation time, and a further
/// <c>clock_gettime(CLOCK_REALTIME)</c> per decision cost ≈ 2 % of a cache-warm decision on the benchmark VM (each
/// vDSO clock read is tens of ns under virtualization). Error against reading the wall clock every time: the drift of
/// the two clocks over one resync period — NTP slews at most 500 ppm, i.e. ≤ 0.05 ms per 100 ms; a step of the wall
/// clock (or a suspend, which the monotonic clock does not count) is picked up by the next resync, at most
/// <see cref="ResyncMilliseconds"/> of monotonic time later. Thread-safe without locks: both fields are single
/// 64-bit words; a reader that pairs an older offset with a newer sync time still gets a valid offset, one taken at
/// most one period earlier.
/// </remarks>
internal sealed class SystemClock
{
    /// <summary>How long (monotonic time) an offset is used before the wall clock is read again.</summary>
    public const long ResyncMilliseconds = 100;

    private const long TicksPerMillisecond = TimeSpan.TicksPerMillisecond;
    private static readonly long s_unixEpochTicks = DateTime.UnixEpoch.Ticks;

    /// <summary>Stopwatch ticks per 100-ns <see cref="DateTime"/> tick (the frequency is a multiple of 10 MHz).</summary>
    private readonly long _timestampsPerTick;
    private readonly long _resyncTimestamps;

    /// <summary>Wall-clock DateTime ticks minus monotonic time in DateTime ticks, at the last resync.</summary>
    private long _offsetTicks;

    /// <summary>The Stopwatch timestamp of the last resync.</summary>
    private long _syncedAt;

    private SystemClock(long timestampsPerTick)
    {
        _timestampsPerTick = timestampsPerTick;
        _resyncTimestamps = ResyncMilliseconds * TicksPerMillisecond * timestampsPerTick;
        Resync(Stopwatch.GetTimestamp());
    }

    /// <summary>A clock for this machine's <see cref="Stopwatch"/>, or null when its frequency is not a multiple of 10 MHz
    /// (then the caller reads the wall clock each time).</summary>
    public static SystemClock? TryCreate()
    {
        const long DateTimeTicksPerSecond = TimeSpan.TicksPerSecond;
        return Stopwatch.Frequency >= DateTimeTicksPerSecond && Stopwatch.Frequency % DateTimeTicksPerSecond == 0
            ? new SystemClock(Stopwatch.Frequency / DateTimeTicksPerSecond)
            : null;
    }

    /// <summary>The wall clock at <paramref name="timestamp"/> (a <see cref="Stopwatch.GetTimestamp"/> read just now), in
    /// Unix milliseconds — what <c>DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()</c> would return, within the error
    /// bound above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long UnixMilliseconds(long timestamp)
    {
        // Unsigned: a timestamp before the last sync (another thread resynced meanwhile) counts as due, not as fresh.
        var offset = (ulong)(timestamp - Volatile.Read(ref _syncedAt)) <= (ulong)_resyncTimestamps
            ? Volatile.Read(ref _offsetTicks)
            : Resync(timestamp);
        return (offset + (timestamp / _timestampsPerTick) - s_unixEpochTicks) / TicksPerMillisecond;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private long Resync(long timestamp)
    {
        var offset = DateTime.UtcNow.Ticks - (timestamp / _timestampsPerTick);
        Volatile.Write(ref _offsetTicks, offset);
        Volatile.Write(ref _syncedAt, timestamp);
        return offset;
    }
}
