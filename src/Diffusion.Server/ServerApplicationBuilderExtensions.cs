using Diffusion.Server.Api;
using Diffusion.Server.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server;

public static class ServerApplicationBuilderExtensions
{
    /// <summary>
    /// The middleware, outermost first: OpenAI-shaped errors, the web UI's static files, routing, request metrics. Endpoints are
    /// added by <see cref="MapDiffusionApi"/> (a WebApplication runs them after this pipeline; a plain
    /// IApplicationBuilder needs <c>UseEndpoints(e =&gt; e.MapDiffusionApi())</c>).
    /// </summary>
    public static IApplicationBuilder UseDiffusionServer(this IApplicationBuilder app)
    {
        app.UseOpenAiErrors();
        app.UseWebUi();
        app.UseRouting();
        app.UseMiddleware<RequestMetricsMiddleware>();
        return app;
    }

    /// <summary>Every endpoint of the service, plus the OpenAPI document at /openapi/v1.json.</summary>
    public static IEndpointRouteBuilder MapDiffusionApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapImagesApi();
        endpoints.MapJobsApi();
        endpoints.MapModelsApi();
        endpoints.MapGalleryApi();
        endpoints.MapPromptsApi();
        endpoints.MapHealthApi();
        endpoints.MapMetricsApi();
        endpoints.MapOpenApi("/openapi/v1.json"); // the one document; any other name is the API's JSON 404, not the framework's text
        endpoints.MapWebUi();
        return endpoints;
    }
}
