using Jiangwanli.Server.Problems;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// What both decision endpoints do with an exception that escapes a request: Kestrel's own refusal of the body becomes
/// its problem (400/413/408, field <c>$</c>); an aborted request is logged and left alone; anything else is a bug,
/// logged and answered 500 <c>internal</c> when the response has not started. One place, so the two endpoints cannot
/// drift apart. (The endpoints guard themselves: no exception middleware in front, whose async frame would allocate.)
/// </summary>
internal static class RequestFailure
{
    /// <summary>Answers or logs <paramref name="error"/> for the request on <paramref name="route"/>.</summary>
    public static void Handle(HttpContext http, RequestBuffers buffers, Exception error, string route, ILogger logger, JiangwanliMetrics metrics)
    {
        if (error is BadHttpRequestException bad)
        {
            // Kestrel refused the body itself (bad chunked framing, its own size limit, a stalled upload).
            if (!http.Response.HasStarted)
            {
                var problem = ProblemCatalog.ForStatus(bad.StatusCode);
                metrics.Rejected(problem.Reason);
                Responses.WriteProblem(http.Response, buffers, problem, bad.Message, "$");
            }

            return;
        }

        if (http.RequestAborted.IsCancellationRequested || error is IOException or OperationCanceledException)
        {
            Log.RequestAborted(logger, route);
            return;
        }

        Log.UnhandledException(logger, error, http.Request.Method, route);
        if (!http.Response.HasStarted)
        {
            Responses.WriteProblem(http.Response, buffers, ProblemCatalog.Internal, "an unexpected error occurred; it has been logged");
        }
    }
}
