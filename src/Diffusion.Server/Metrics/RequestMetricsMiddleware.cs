using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Metrics;

/// <summary>
/// Counts every request by route template (so ids do not explode the label set), method and final
/// status. Runs after routing, inside the exception handler, so it sees the matched endpoint.
/// </summary>
public sealed class RequestMetricsMiddleware(RequestDelegate next, ServiceMetrics metrics)
{
    public const string UnmatchedRoute = "unmatched";
    private const int ClientClosedRequest = 499;

    public async Task InvokeAsync(HttpContext context)
    {
        var failed = true;
        try
        {
            await next(context);
            failed = false;
        }
        finally
        {
            // An exception still propagating here becomes a 500 (or the client went away).
            Record(context, failed);
        }
    }

    private void Record(HttpContext context, bool failed)
    {
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? UnmatchedRoute;
        var status = failed
            ? context.RequestAborted.IsCancellationRequested ? ClientClosedRequest : StatusCodes.Status500InternalServerError
            : context.Response.StatusCode;
        metrics.ObserveRequest(route, context.Request.Method, status);
    }
}
