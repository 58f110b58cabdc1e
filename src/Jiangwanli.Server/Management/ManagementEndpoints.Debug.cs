using System.Globalization;
using Jiangwanli.Runtime;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Runtime.Profiling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Management;

internal static partial class ManagementEndpoints
{
    private const int MaxRuntimeUpdateBytes = 4096;

    /// <summary>
    /// <c>/debug/pprof/profile</c> and <c>/debug/pprof/allocs</c> (<c>?seconds=N&amp;format=pprof|speedscope|svg</c>),
    /// <c>/debug/gc</c>, <c>/debug/threadpool</c>: the handbook's observation chain, served by the process itself.
    /// Guarded by the admin token like <c>/admin</c>: a profile costs CPU and reveals code.
    /// </summary>
    private static void MapDebug(RouteGroupBuilder debug)
    {
        debug.MapGet("/pprof/profile", static http => Profile(http, allocations: false));
        debug.MapGet("/pprof/allocs", static http => Profile(http, allocations: true));
        debug.MapGet("/gc", static http =>
        {
            http.Response.ContentType = "application/json";
            return Governance(http).GcMonitor.WriteSnapshotAsync(http.Response.Body, http.RequestAborted);
        });
        debug.MapGet("/threadpool", static http =>
        {
            http.Response.ContentType = "application/json";
            return Governance(http).ThreadPoolProbe.WriteSnapshotAsync(http.Response.Body, http.RequestAborted);
        });
    }

    /// <summary><c>GET /admin/runtime</c> reads the memory governor; <c>PUT</c> changes its limit at run time.</summary>
    private static void MapRuntimeAdmin(RouteGroupBuilder admin)
    {
        admin.MapGet("/runtime", static http =>
        {
            http.Response.ContentType = "application/json";
            return Governance(http).MemoryGovernor.WriteSnapshotAsync(http.Response.Body, http.RequestAborted);
        });
        admin.MapPut("/runtime", static async http =>
        {
            var body = await ReadSmallBodyAsync(http.Request, MaxRuntimeUpdateBytes).ConfigureAwait(false);
            if (body is null)
            {
                await RuntimeProblem(http, StatusCodes.Status413PayloadTooLarge, "body is larger than 4 KiB").ConfigureAwait(false);
                return;
            }

            if (!MemoryGovernorUpdate.TryParse(body, out var update, out var error))
            {
                await RuntimeProblem(http, StatusCodes.Status400BadRequest, error ?? "invalid runtime update").ConfigureAwait(false);
                return;
            }

            var governor = Governance(http).MemoryGovernor;
            var result = governor.Update(update!);
            if (!result.Succeeded)
            {
                await RuntimeProblem(http, StatusCodes.Status400BadRequest, result.Message ?? "the runtime refused the limit").ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "application/json";
            await governor.WriteSnapshotAsync(http.Response.Body, http.RequestAborted).ConfigureAwait(false);
        });
    }

    private static async Task Profile(HttpContext http, bool allocations)
    {
        var query = http.Request.Query;
        var secondsText = query["seconds"].ToString();
        var seconds = 30;
        if (secondsText.Length > 0 && !int.TryParse(secondsText, NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
        {
            await RuntimeProblem(http, StatusCodes.Status400BadRequest, "seconds must be a whole number from 1 to 60", "seconds").ConfigureAwait(false);
            return;
        }

        var formatText = query["format"].ToString();
        if (!ProfileFormats.TryParse(formatText.Length == 0 ? null : formatText, out var format))
        {
            await RuntimeProblem(http, StatusCodes.Status400BadRequest, "format must be pprof, speedscope or svg", "format").ConfigureAwait(false);
            return;
        }

        var governance = Governance(http);
        var duration = TimeSpan.FromSeconds(seconds);
        var outcome = allocations
            ? await governance.AllocationProfiler.CollectAsync(duration, http.RequestAborted).ConfigureAwait(false)
            : await governance.CpuProfiler.CollectAsync(duration, http.RequestAborted).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case ProfileStatus.Completed:
                http.Response.ContentType = ProfileFormats.ContentType(format);
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"{(allocations ? "allocs" : "cpu")}{ProfileFormats.FileExtension(format)}\"";
                await outcome.Profile!.WriteAsync(http.Response.Body, format, http.RequestAborted).ConfigureAwait(false);
                return;
            case ProfileStatus.Busy:
                await RuntimeProblem(http, StatusCodes.Status409Conflict, outcome.Message ?? "another profile is running").ConfigureAwait(false);
                return;
            case ProfileStatus.InvalidRequest:
                await RuntimeProblem(http, StatusCodes.Status400BadRequest, outcome.Message ?? "invalid profile request", "seconds").ConfigureAwait(false);
                return;
            case ProfileStatus.Canceled:
                return;
            default:
                await RuntimeProblem(http, StatusCodes.Status500InternalServerError, outcome.Message ?? "profiling failed").ConfigureAwait(false);
                return;
        }
    }

    private static RuntimeGovernance Governance(HttpContext http) => http.RequestServices.GetRequiredService<RuntimeGovernance>();

    private static async Task<byte[]?> ReadSmallBodyAsync(HttpRequest request, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static Task RuntimeProblem(HttpContext http, int status, string detail, string? field = null)
        => Results.Problem(
            detail: detail,
            statusCode: status,
            extensions: field is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["field"] = field }).ExecuteAsync(http);
}
