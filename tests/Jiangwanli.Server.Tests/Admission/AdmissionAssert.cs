using Jiangwanli.Server.Admission;

namespace Jiangwanli.Server.Tests.Admission;

internal static class AdmissionAssert
{
    /// <summary>Asserts the admission decision was made synchronously and returns it.</summary>
    public static AdmissionOutcome Sync(this ValueTask<AdmissionOutcome> entry)
    {
        Assert.True(entry.IsCompletedSuccessfully, "expected a synchronous admission decision");
        return entry.Result;
    }
}
