using System.Diagnostics;
using Jiangwanli.Engine.Decisions;

namespace Jiangwanli.Engine.Tests.Decisions;

public sealed class SystemClockTests
{
    [Fact]
    public void UnixMilliseconds_TimestampJustRead_IsBetweenWallClockReadsAround()
    {
        var clock = SystemClock.TryCreate();
        Assert.NotNull(clock); // Linux and Windows Stopwatch frequencies (1 GHz, 10 MHz) are multiples of 10 MHz
        for (var i = 0; i < 1_000; i++)
        {
            var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var derived = clock.UnixMilliseconds(Stopwatch.GetTimestamp());
            var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Assert.InRange(derived, before, after + 1); // + 1: the wall clock is read just after the sync's timestamp
        }
    }

    [Fact]
    public void UnixMilliseconds_TimestampPastResyncPeriod_ReadsWallClockAgain()
    {
        var clock = SystemClock.TryCreate()!;
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // A timestamp an hour ahead of the wall clock's progress looks like a wall clock stepped back by an hour: the
        // clock must resync rather than advance the old offset by the hour.
        var ahead = clock.UnixMilliseconds(Stopwatch.GetTimestamp() + (3_600 * Stopwatch.Frequency));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(ahead, before, after + 1);

        // Within the period the new offset is used: a timestamp 50 ms later reads 50 ms later.
        var baseTimestamp = Stopwatch.GetTimestamp() + (3_600 * Stopwatch.Frequency);
        var first = clock.UnixMilliseconds(baseTimestamp);
        var later = clock.UnixMilliseconds(baseTimestamp + (Stopwatch.Frequency / 20));
        Assert.Equal(50, later - first, tolerance: 1);
    }
}
