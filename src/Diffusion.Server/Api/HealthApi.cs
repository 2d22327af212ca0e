using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Caching;
using Diffusion.Server.Generation;
using Diffusion.Server.Images;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>
/// Health: 200 "ok" once the service can serve, with a few numbers for a glance; 503 while the cache is still opening
/// ("starting", with Retry-After) or when it could not be opened ("failed", with the reason). Start-up scripts and load
/// balancers wait for the 200.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Service").WithName("Health")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>> GetHealth(HttpContext context,
        [FromServices] IImageGenerator generator, [FromServices] GenerationQueue queue, [FromServices] ImageStore store,
        [FromServices] CacheReadiness? cache)
    {
        var state = cache?.State ?? CacheState.Ready;   // no cache: nothing to wait for
        var status = state switch
        {
            CacheState.Ready => "ok",
            CacheState.Opening => "starting",
            CacheState.Failed => "failed",
            _ => throw new InvalidOperationException($"no health status for the cache state {state}"),
        };
        var health = new HealthResponse(status, generator.Model.Id, queue.Depth, queue.Capacity, store.Count, cache?.Problem);
        if (state == CacheState.Ready) return TypedResults.Ok(health);
        if (state == CacheState.Opening) context.Response.Headers.RetryAfter = "1";
        return TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
