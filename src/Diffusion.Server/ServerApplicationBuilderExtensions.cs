using Diffusion.Server.Identity;
using Diffusion.Server.Api;
using Diffusion.Server.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server;

public static class ServerApplicationBuilderExtensions
{
    /// <summary>
    /// The middleware, outermost first: OpenAI-shaped errors, the web UI's static files, routing, API-key authentication and
    /// authorization, per-tenant rate limits, request metrics, Idempotency-Key replays. Endpoints are
    /// added by <see cref="MapDiffusionApi"/> (a WebApplication runs them after this pipeline; a plain
    /// IApplicationBuilder needs <c>UseEndpoints(e =&gt; e.MapDiffusionApi())</c>).
    /// </summary>
    public static IApplicationBuilder UseDiffusionServer(this IApplicationBuilder app)
    {
        app.UseOpenAiErrors();
        app.UseWebUi();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseMiddleware<RequestMetricsMiddleware>();
        app.UseMiddleware<Idempotency.IdempotencyMiddleware>();
        return app;
    }

    /// <summary>
    /// Every endpoint of the service, plus the OpenAPI document at /openapi/v1.json. The API needs a key (when keys are
    /// configured), the metrics an admin key; health, the OpenAPI document and the web UI's files are public.
    /// </summary>
    public static IEndpointRouteBuilder MapDiffusionApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("").RequireAuthorization();
        api.MapImagesApi();
        api.MapJobsApi();
        api.MapModelsApi();
        api.MapGalleryApi();
        api.MapPromptsApi();
        endpoints.MapSessionApi();
        endpoints.MapGroup("").RequireAuthorization(ServerIdentity.AdminPolicy).MapMetricsApi();
        endpoints.MapHealthApi();
        endpoints.MapOpenApi("/openapi/v1.json"); // the one document; any other name is the API's JSON 404, not the framework's text
        endpoints.MapWebUi();
        return endpoints;
    }
}
