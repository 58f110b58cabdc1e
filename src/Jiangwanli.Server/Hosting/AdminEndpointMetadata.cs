namespace Jiangwanli.Server.Hosting;

/// <summary>Marks an endpoint that requires the admin bearer token (<c>Jiangwanli:AdminToken</c>).</summary>
internal sealed class AdminEndpointMetadata
{
    public static readonly AdminEndpointMetadata Instance = new();

    private AdminEndpointMetadata()
    {
    }
}
