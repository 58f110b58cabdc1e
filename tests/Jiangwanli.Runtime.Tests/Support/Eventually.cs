namespace Jiangwanli.Runtime.Tests.Support;

/// <summary>Bounded waits for things that happen on other threads (a failure bound, not a speed assertion).</summary>
public static class Eventually
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static async Task<T> WithinBound<T>(Task<T> task)
    {
        var finished = await Task.WhenAny(task, Task.Delay(Bound));
        Assert.True(finished == task, $"did not happen within {Bound.TotalSeconds} s");
        return await task;
    }
}
