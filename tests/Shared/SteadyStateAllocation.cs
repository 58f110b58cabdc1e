namespace Jiangwanli.Tests.Shared;

/// <summary>
/// Bytes a piece of code allocates on the current thread in steady state: the least over several measured rounds.
/// A single round can catch a one-time allocation of the runtime's own — an on-stack-replacement compile of the
/// measuring loop, a type loaded on first use (seen once in CI: 7,712 bytes during 10,000 event reads that allocate
/// nothing) — while an allocation by the code under test shows in every round, so the least of them is still 0 only
/// when the code allocates nothing.
/// </summary>
internal static class SteadyStateAllocation
{
    public static long Measure(Action round, int rounds = 5)
    {
        var least = long.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
