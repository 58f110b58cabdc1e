using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Jiangwanli.Server.Management;

internal static partial class ManagementEndpoints
{
    /// <summary>
    /// <c>GET /metrics</c>: Prometheus text format from the OpenTelemetry exporter — the Jiangwanli meter, the .NET
    /// runtime meter (System.Runtime) and ASP.NET Core's hosting and Kestrel meters.
    /// </summary>
    private static void MapMetrics(RouteGroupBuilder management) => management.MapPrometheusScrapingEndpoint("/metrics");
}
