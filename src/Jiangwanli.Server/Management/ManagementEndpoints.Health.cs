using Jiangwanli.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Management;

internal static partial class ManagementEndpoints
{
    /// <summary>
    /// <c>GET /healthz</c>: 200 while the process serves HTTP (liveness).
    /// <c>GET /readyz</c>: 200 once the pack is loaded and the listeners are up; 503 before that and from the moment
    /// shutdown begins (readiness).
    /// </summary>
    private static void MapHealth(RouteGroupBuilder management)
    {
        management.MapGet("/healthz", static http => WriteText(http, StatusCodes.Status200OK, "ok\n"));
        management.MapGet("/readyz", static http =>
        {
            var ready = http.RequestServices.GetRequiredService<ReadinessState>().IsReady;
            return WriteText(http, ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable, ready ? "ready\n" : "not ready\n");
        });
    }

    private static Task WriteText(HttpContext http, int status, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/plain; charset=utf-8";
        return http.Response.WriteAsync(text);
    }
}
