using Jiangwanli.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Jiangwanli.Server.Management;

/// <summary>
/// The management listener's routes, one <c>Map…</c> method per area in its own file
/// (<c>ManagementEndpoints.Health.cs</c>, <c>.Metrics.cs</c>, <c>.Admin.cs</c>).
/// </summary>
/// <remarks>
/// To add an area (e.g. /debug): write <c>ManagementEndpoints.Debug.cs</c> with
/// <c>static void MapDebug(RouteGroupBuilder debug)</c> and add one line to <see cref="Map"/>, mapping it on a group
/// derived from <c>management</c> (so it is served on the management port only) and, if it needs the admin token,
/// with <see cref="AdminEndpointMetadata"/>:
/// <code>MapDebug(management.MapGroup("/debug").WithMetadata(AdminEndpointMetadata.Instance));</code>
/// </remarks>
internal static partial class ManagementEndpoints
{
    /// <summary>Maps every management endpoint.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var management = app.MapGroup(string.Empty).WithMetadata(ManagementEndpointMetadata.Instance);
        MapHealth(management);
        MapMetrics(management);
        var admin = management.MapGroup("/admin").WithMetadata(AdminEndpointMetadata.Instance);
        MapAdmin(admin);
        MapRuntimeAdmin(admin);
        MapAuditAdmin(admin);
        MapDebug(management.MapGroup("/debug").WithMetadata(AdminEndpointMetadata.Instance));
    }
}
