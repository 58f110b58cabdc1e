using Jiangwanli.Server.Decisions;
using Jiangwanli.Server.Problems;
using Jiangwanli.Server.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Jiangwanli.Server.Hosting;

/// <summary>
/// Keeps the two listeners apart and guards /admin. Runs after routing:
/// on a management port only endpoints marked <see cref="ManagementEndpointMetadata"/> are served, on a public port
/// none of them are (a 404 either way, as if the route did not exist); endpoints marked
/// <see cref="AdminEndpointMetadata"/> also need the bearer token (401 without, 403 wrong).
/// </summary>
/// <remarks>
/// The side is decided by the connection's local port — set by the socket, not by anything the client sends
/// (a Host header could be forged). Synchronous on every path: it adds no allocation to a request.
/// </remarks>
internal sealed class ManagementGateMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ManagementPorts _ports;
    private readonly AdminToken _token;
    private readonly RequestBuffersPool _buffers;
    private readonly ILogger _logger;

    public ManagementGateMiddleware(RequestDelegate next, ManagementPorts ports, AdminToken token, RequestBuffersPool buffers, ILogger<ManagementGateMiddleware> logger)
    {
        _next = next;
        _ports = ports;
        _token = token;
        _buffers = buffers;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext http)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint is null)
        {
            return _next(http);
        }

        var metadata = endpoint.Metadata;
        var onManagementPort = _ports.Contains(http.Connection.LocalPort);
        bool allowed;
        if (metadata.GetMetadata<ManagementEndpointMetadata>() is not null)
        {
            allowed = onManagementPort;
        }
        else if (metadata.GetMetadata<PublicEndpointMetadata>() is not null)
        {
            allowed = !onManagementPort;
        }
        else
        {
            // Endpoints routing makes up itself (405 for a known path): only for the public API's paths, so a
            // management path never reveals itself on the public port.
            allowed = !onManagementPort && http.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal);
        }

        if (!allowed)
        {
            http.SetEndpoint(null);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (metadata.GetMetadata<AdminEndpointMetadata>() is not null)
        {
            var status = _token.Check(http.Request.Headers.Authorization);
            if (status != StatusCodes.Status200OK)
            {
                Refuse(http, status);
                return Task.CompletedTask;
            }
        }

        return _next(http);
    }

    private void Refuse(HttpContext http, int status)
    {
        Log.AdminRefused(_logger, status, http.Connection.RemoteIpAddress?.ToString(), http.Request.Path.Value ?? string.Empty);
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var buffers = _buffers.Rent();
        try
        {
            var problem = status == StatusCodes.Status401Unauthorized ? ProblemCatalog.Unauthorized : ProblemCatalog.Forbidden;
            var detail = status == StatusCodes.Status401Unauthorized
                ? "send Authorization: Bearer <Jiangwanli:AdminToken>"
                : "the bearer token does not match Jiangwanli:AdminToken";
            Responses.WriteProblem(http.Response, buffers, problem, detail);
        }
        finally
        {
            _buffers.Return(buffers);
        }
    }
}
