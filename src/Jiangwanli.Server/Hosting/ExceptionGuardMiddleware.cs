using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Problems;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// The last line of defence for endpoints that do not guard themselves: an unexpected exception is logged and
/// answered as a 500 problem (when the response has not started). A client's broken request (Kestrel's
/// <see cref="BadHttpRequestException"/>) is answered with its own 4xx; a client that went away is not an error.
/// Tests prove that no client input reaches the 500 branch.
/// </summary>
internal sealed class ExceptionGuardMiddleware
{
    private readonly RequestDelegate _next;
    private readonly RequestBuffersPool _buffers;
    private readonly ILogger _logger;

    public ExceptionGuardMiddleware(RequestDelegate next, RequestBuffersPool buffers, ILogger<ExceptionGuardMiddleware> logger)
    {
        _next = next;
        _buffers = buffers;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<SelfGuardedEndpointMetadata>() is not null)
        {
            return _next(http);
        }

        return GuardAsync(http);
    }

    private async Task GuardAsync(HttpContext http)
    {
        try
        {
            await _next(http);
        }
        catch (BadHttpRequestException e)
        {
            Write(http, ProblemCatalog.ForStatus(e.StatusCode), e.Message);
        }
        catch (Exception e) when (http.RequestAborted.IsCancellationRequested)
        {
            Log.RequestAborted(_logger, http.Request.Path.Value ?? string.Empty);
            _ = e;
        }
        catch (Exception e)
        {
            Log.UnhandledException(_logger, e, http.Request.Method, http.Request.Path.Value ?? string.Empty);
            Write(http, ProblemCatalog.Internal, "an unexpected error occurred; it has been logged");
        }
    }

    private void Write(HttpContext http, ProblemType problem, string detail)
    {
        if (http.Response.HasStarted)
        {
            http.Abort();
            return;
        }

        http.Response.Clear();
        var buffers = _buffers.Rent();
        try
        {
            Responses.WriteProblem(http.Response, buffers, problem, detail);
        }
        finally
        {
            _buffers.Return(buffers);
        }
    }
}
