namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Marks a hot-path endpoint that catches its own exceptions, so <see cref="ExceptionGuardMiddleware"/> stays out of
/// its way (an extra async frame per request would allocate whenever the request awaits).
/// </summary>
internal sealed class SelfGuardedEndpointMetadata
{
    public static readonly SelfGuardedEndpointMetadata Instance = new();

    private SelfGuardedEndpointMetadata()
    {
    }
}
