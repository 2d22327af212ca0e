using System.Globalization;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Diffusion.Server.Api;

/// <summary>The 429 answers of a refused enqueue, with a Retry-After estimated from recent generation times.</summary>
public static class QueueResponses
{
    public static JsonHttpResult<Contracts.ErrorResponse> Refused(
        EnqueueStatus status, HttpResponse response, GenerationQueue queue, ServiceMetrics metrics, ServerOptions options)
    {
        var recent = metrics.RecentGenerationSeconds();
        var mean = recent.Length == 0 ? 1.0 : recent.Average();
        var seconds = Math.Clamp((int)Math.Ceiling(mean * (queue.Depth + 1) / Math.Max(1, options.Workers)), 1, 3600);
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var error = status switch
        {
            EnqueueStatus.TenantShareFull => ApiError.TenantQueueFull(queue.TenantCapacity),
            EnqueueStatus.WaitTooLong => ApiError.Overloaded(queue.EstimatedWaitSeconds(), options.MaxQueueWaitSeconds),
            _ => ApiError.QueueFull(queue.Capacity),
        };
        return error.ToResult();
    }
}
