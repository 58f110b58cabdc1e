namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Marks an endpoint as management-only: served on the management listener, 404 on the public one.
/// Everything mapped through <c>ManagementEndpoints</c> carries it.
/// </summary>
internal sealed class ManagementEndpointMetadata
{
    public static readonly ManagementEndpointMetadata Instance = new();

    private ManagementEndpointMetadata()
    {
    }
}
