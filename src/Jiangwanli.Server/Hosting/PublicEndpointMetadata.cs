namespace Jiangwanli.Server.Hosting;

/// <summary>Marks an endpoint of the public decision API (served on the public listener only).</summary>
internal sealed class PublicEndpointMetadata
{
    public static readonly PublicEndpointMetadata Instance = new();

    private PublicEndpointMetadata()
    {
    }
}
