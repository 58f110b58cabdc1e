using System.Text.Json;
using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Management;

internal static partial class ManagementEndpoints
{
    /// <summary>
    /// <c>GET /admin/audit/segments</c> lists the decision log's segment files; <c>GET /admin/audit/segments/{name}</c>
    /// streams one with <c>SendFileAsync</c> (sendfile(2) on Linux: the kernel copies file pages to the socket —
    /// the handbook's zero-copy <c>splice</c> path). Only names from the listing are served (no path from the URL).
    /// </summary>
    private static void MapAuditAdmin(RouteGroupBuilder admin)
    {
        admin.MapGet("/audit/segments", static async http =>
        {
            var audit = http.RequestServices.GetRequiredService<DecisionLog>().Audit;
            if (audit is null)
            {
                await RuntimeProblem(http, ProblemCatalog.NotFound, "the decision log is disabled").ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json";
            var writer = new Utf8JsonWriter(http.Response.Body);
            await using (writer.ConfigureAwait(false))
            {
                writer.WriteStartArray();
                foreach (var segment in audit.ListSegments())
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", segment.Name);
                    writer.WriteNumber("firstSequence", segment.FirstSequence);
                    writer.WriteNumber("bytes", segment.Length);
                    writer.WriteString("created", segment.Created);
                    writer.WriteBoolean("active", segment.IsActive);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
            }
        });
        admin.MapGet("/audit/segments/{name}", static async (HttpContext http, string name) =>
        {
            var audit = http.RequestServices.GetRequiredService<DecisionLog>().Audit;
            var segment = audit?.ListSegments().FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));
            if (segment is null)
            {
                await RuntimeProblem(http, ProblemCatalog.NotFound, $"no audit segment named '{name}'", "name").ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/octet-stream";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{segment.Name}\"";
            http.Response.ContentLength = segment.Length;
            await http.Response.SendFileAsync(segment.Path, 0, segment.Length, http.RequestAborted).ConfigureAwait(false);
        });
    }
}
