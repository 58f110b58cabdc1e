using Jiangwanli.Cli.Bench;

namespace Jiangwanli.Cli.Tests.Bench;

public sealed class OpenLoopPacerTests
{
    private static long Now => TimeProvider.System.GetTimestamp();

    private static long InAnHour => Now + (3600 * TimeProvider.System.TimestampFrequency);

    [Fact]
    public async Task WaitAsync_AlreadyDue_CompletesWithTrue()
    {
        using var pacer = new OpenLoopPacer();
        var waiter = new OpenLoopPacer.Waiter();
        Assert.True(await pacer.WaitAsync(waiter, Now - 1));
    }

    [Fact]
    public async Task WaitAsync_OneWaiterReused_CompletesEachTime()
    {
        using var pacer = new OpenLoopPacer();
        var waiter = new OpenLoopPacer.Waiter();
        for (var i = 0; i < 50; i++)
        {
            Assert.True(await pacer.WaitAsync(waiter, Now));
        }
    }

    [Fact]
    public async Task Stop_PendingWaiters_CompleteWithFalse()
    {
        using var pacer = new OpenLoopPacer();
        var waits = Enumerable.Range(0, 10).Select(_ => pacer.WaitAsync(new OpenLoopPacer.Waiter(), InAnHour).AsTask()).ToArray();
        Assert.DoesNotContain(waits, t => t.IsCompleted);
        pacer.Stop();
        Assert.All(await Task.WhenAll(waits), Assert.False);
    }

    [Fact]
    public async Task WaitAsync_AfterStop_IsFalseAtOnce()
    {
        using var pacer = new OpenLoopPacer();
        pacer.Stop();
        var wait = pacer.WaitAsync(new OpenLoopPacer.Waiter(), Now - 1);
        Assert.True(wait.IsCompleted);
        Assert.False(await wait);
    }
}
