using System.Globalization;
using Jiangwanli.Runtime;
using Jiangwanli.Runtime.Memory;
using Jiangwanli.Runtime.Profiling;
using Jiangwanli.Server.Problems;
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
            var body = await Decisions.BodyReader.ReadAsync(http.Request.BodyReader, http.Request.ContentLength, MaxRuntimeUpdateBytes).ConfigureAwait(false);
            MemoryGovernorUpdate? update;
            string? error;
            try
            {
                if (body.TooLarge)
                {
                    await RuntimeProblem(http, ProblemCatalog.BodyTooLarge, "body is larger than 4 KiB").ConfigureAwait(false);
                    return;
                }

                if (!MemoryGovernorUpdate.TryParse(body.Span, out update, out error))
                {
                    await RuntimeProblem(http, ProblemCatalog.InvalidParameter, error ?? "invalid runtime update").ConfigureAwait(false);
                    return;
                }
            }
            finally
            {
                Decisions.BodyReader.Return(body);
            }

            var governor = Governance(http).MemoryGovernor;
            var result = governor.Update(update!);
            if (!result.Succeeded)
            {
                await RuntimeProblem(http, ProblemCatalog.InvalidParameter, result.Message ?? "the runtime refused the limit").ConfigureAwait(false);
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
            await RuntimeProblem(http, ProblemCatalog.InvalidParameter, "seconds must be a whole number from 1 to 60", "seconds").ConfigureAwait(false);
            return;
        }

        var formatText = query["format"].ToString();
        if (!ProfileFormats.TryParse(formatText.Length == 0 ? null : formatText, out var format))
        {
            await RuntimeProblem(http, ProblemCatalog.InvalidParameter, "format must be pprof, speedscope or svg", "format").ConfigureAwait(false);
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
                await RuntimeProblem(http, ProblemCatalog.ProfileBusy, outcome.Message ?? "another profile is running").ConfigureAwait(false);
                return;
            case ProfileStatus.InvalidRequest:
                await RuntimeProblem(http, ProblemCatalog.InvalidParameter, outcome.Message ?? "invalid profile request", "seconds").ConfigureAwait(false);
                return;
            case ProfileStatus.Canceled:
                return;
            default:
                await RuntimeProblem(http, ProblemCatalog.ProfileFailed, outcome.Message ?? "profiling failed").ConfigureAwait(false);
                return;
        }
    }

    private static RuntimeGovernance Governance(HttpContext http) => http.RequestServices.GetRequiredService<RuntimeGovernance>();

    /// <summary>A problem body from the service's catalogue (<c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>, <c>field</c>).</summary>
    private static Task RuntimeProblem(HttpContext http, ProblemType problem, string detail, string? field = null)
        => WriteJsonAsync(http, problem.Status, ProblemWriter.ContentType, w => ProblemWriter.Write(w, problem, detail, field));
}
