using Jiangwanli.Runtime.Gc;

namespace Jiangwanli.Runtime.Tests.Support;

public static class GcFeedWarmUp
{
    /// <summary>
    /// Induces GCs until the feed delivers one: a new in-process listener starts receiving runtime
    /// events a little after it is created, and a GC in that gap is never seen. Also lets any
    /// background GC finish, so the GCs a test induces next are plain blocking ones.
    /// </summary>
    public static async Task UntilLiveAsync(GcEventFeed feed)
    {
        var deadline = DateTime.UtcNow + Eventually.Bound;
        var start = feed.Published;
        while (feed.Published == start)
        {
            Assert.True(DateTime.UtcNow < deadline, "the GC feed delivered nothing");
            GC.Collect(2, GCCollectionMode.Forced, blocking: true);
            GC.WaitForPendingFinalizers();
            for (var i = 0; i < 50 && feed.Published == start; i++)
            {
                await Task.Delay(20);
            }
        }
    }
}
