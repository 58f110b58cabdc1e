using System.Buffers;
using Jiangwanli.Server.Hosting;
using Jiangwanli.Server.Packs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Jiangwanli.Server.Decisions;

/// <summary>
/// The public listener's routes: <c>POST /v1/decisions</c>, <c>POST /v1/decisions:batch</c>, <c>GET /v1/pack</c>.
/// Hand-written request delegates (no parameter binding, no endpoint filters) so the hot path is only our code.
/// </summary>
internal static class DecisionApi
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var single = app.ServiceProvider.GetRequiredService<DecisionEndpoint>();
        var batch = app.ServiceProvider.GetRequiredService<BatchDecisionEndpoint>();
        app.MapPost("/v1/decisions", new RequestDelegate(single.HandleAsync))
            .WithMetadata(PublicEndpointMetadata.Instance, SelfGuardedEndpointMetadata.Instance);
        app.MapPost("/v1/decisions:batch", new RequestDelegate(batch.HandleAsync))
            .WithMetadata(PublicEndpointMetadata.Instance, SelfGuardedEndpointMetadata.Instance);
        app.MapGet("/v1/pack", new RequestDelegate(GetPackAsync))
            .WithMetadata(PublicEndpointMetadata.Instance);
    }

    private static Task GetPackAsync(HttpContext http)
    {
        var pack = http.RequestServices.GetRequiredService<PackHost>().Pack;
        var buffers = http.RequestServices.GetRequiredService<RequestBuffersPool>();
        var rented = buffers.Rent();
        try
        {
            PackDescription.Write(rented.JsonWriter(rented.Output), pack);
            Responses.Write(http.Response, StatusCodes.Status200OK, MediaTypes.Json, rented.Output.WrittenSpan);
        }
        finally
        {
            buffers.Return(rented);
        }

        return Task.CompletedTask;
    }
}
