using System.Globalization;
using Diffusion.Server.Metrics;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Diffusion.Server.Api;

/// <summary>The 429 answer when the queue is full, with a Retry-After estimated from recent generation times.</summary>
public static class QueueResponses
{
    public static JsonHttpResult<Contracts.ErrorResponse> QueueFull(HttpResponse response, GenerationQueue queue, ServiceMetrics metrics, int workers)
    {
        var recent = metrics.RecentGenerationSeconds();
        var mean = recent.Length == 0 ? 1.0 : recent.Average();
        var seconds = Math.Clamp((int)Math.Ceiling(mean * (queue.Depth + 1) / Math.Max(1, workers)), 1, 3600);
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return ApiError.QueueFull(queue.Capacity).ToResult();
    }
}
