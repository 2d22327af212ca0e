using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>Liveness: the process answers, with a few numbers for a glance.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Service").WithName("Health");
        return app;
    }

    public static Ok<HealthResponse> GetHealth(
        [FromServices] IImageGenerator generator, [FromServices] GenerationQueue queue, [FromServices] ImageStore store) =>
        TypedResults.Ok(new HealthResponse("ok", generator.Model.Id, queue.Depth, queue.Capacity, store.Count));
}
