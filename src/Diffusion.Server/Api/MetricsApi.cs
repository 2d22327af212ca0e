using System.Globalization;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Jobs;
using Diffusion.Server.Metrics;
using Diffusion.Server.Queue;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Diffusion.Server.Api;

/// <summary>/metrics in Prometheus text format, and the same numbers as JSON at /v1/metrics.</summary>
public static class MetricsApi
{
    public const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", GetPrometheusAsync).WithTags("Service").WithName("PrometheusMetrics")
            .Produces(StatusCodes.Status200OK, contentType: "text/plain");
        app.MapGet("/v1/metrics", GetJson).WithTags("Service").WithName("Metrics");
        return app;
    }

    public static async Task<FileContentHttpResult> GetPrometheusAsync([FromServices] ServiceMetrics metrics, CancellationToken cancellationToken)
    {
        // Buffered: the exporter may write synchronously, which Kestrel forbids on the response body.
        using var buffer = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(buffer, cancellationToken);
        return TypedResults.Bytes(buffer.ToArray(), PrometheusContentType);
    }

    public static Ok<MetricsResponse> GetJson(
        [FromServices] ServiceMetrics metrics, [FromServices] GenerationQueue queue, [FromServices] JobRegistry jobs)
    {
        var requests = metrics.HttpRequests.GetAllLabelValues()
            .Select(l => new RequestCount(l[0], l[1], int.Parse(l[2], CultureInfo.InvariantCulture),
                (long)metrics.HttpRequests.WithLabels(l).Value))
            .OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ThenBy(r => r.Status)
            .ToList();

        var byOutcome = metrics.Generations.GetAllLabelValues()
            .ToDictionary(l => l[0], l => (long)metrics.Generations.WithLabels(l).Value);
        var count = metrics.GenerationSeconds.Count;
        var sum = metrics.GenerationSeconds.Sum;
        var recent = metrics.RecentGenerationSeconds();
        Array.Sort(recent);

        var hits = (long)metrics.CacheLookups.WithLabels("hit").Value;
        var misses = (long)metrics.CacheLookups.WithLabels("miss").Value;
        // Keys are K as text (JSON object keys), in numeric order for the dashboard's bars.
        var hitsByK = metrics.CacheHitsByK.GetAllLabelValues()
            .OrderBy(l => int.Parse(l[0], CultureInfo.InvariantCulture))
            .ToDictionary(l => l[0], l => (long)metrics.CacheHitsByK.WithLabels(l).Value);

        return TypedResults.Ok(new MetricsResponse(
            requests,
            new GenerationStats(count, sum, count == 0 ? 0 : sum / count, Percentile(recent, 0.5), Percentile(recent, 0.95),
                Percentile(recent, 0.99), byOutcome),
            new QueueStats(queue.Depth, queue.Capacity, (int)metrics.InFlight.Value, (long)metrics.QueueRejections.Value),
            new CacheStats(hits, misses, hits + misses == 0 ? 0 : (double)hits / (hits + misses), (long)metrics.CacheStepsSkipped.Value,
                hitsByK)
            {
                StepsRequested = (long)metrics.StepsRequested.Value,
                SecondsSaved = Math.Round(metrics.CacheSecondsSaved.Value, 3),
                ModelCallsSaved = new Dictionary<string, long>
                {
                    [ServiceMetrics.CrossRequest] = (long)metrics.ModelCallsSaved.WithLabels(ServiceMetrics.CrossRequest).Value,
                    [ServiceMetrics.WithinRequest] = (long)metrics.ModelCallsSaved.WithLabels(ServiceMetrics.WithinRequest).Value,
                },
                AdaptiveK = metrics.AdaptiveK(),
                Store = metrics.CacheStorage() is { } store
                    ? new CacheStoreMetrics(store.UsedBytes, store.MaxBytes, store.Entries, store.Latents, store.Evictions, store.WritesFailed,
                        store.CorruptDiscarded)
                    : null,
            },
            new JobStats(jobs.ActiveCount, jobs.Count),
            (long)metrics.ImagesStored.Value)
        {
            Engine = metrics.EngineSnapshot() is { } engine ? Engine(engine) : null,
            Slo = Slo(metrics),
        });
    }

    private static Dictionary<string, SloClassStats> Slo(ServiceMetrics metrics)
    {
        long Count(string slo, string result) => (long)metrics.SloResults.WithLabels(slo, result).Value;
        return new[] { SloClass.Interactive, SloClass.Batch }.Select(ServiceLevel.Name)
            .ToDictionary(name => name, name => new SloClassStats(Count(name, "met"), Count(name, "missed"), Count(name, "none")));
    }

    private static EngineMetrics Engine(EngineStats stats)
    {
        var m = stats.Memory;
        var s = stats.Scheduler;
        return new EngineMetrics(
            new EngineMemoryMetrics(m.TotalBlocks, m.UsedBlocks, m.SharedBlocks, m.PrefixHitTokens, m.SharingSavedSlots, Math.Round(m.KvWaste, 4)),
            new EngineSchedulerMetrics(s.Iterations, s.DiffusionBatchJobs, Math.Round(s.MeanDiffusionBatch, 3), s.LlmBatchSequences,
                Math.Round(s.MeanLlmBatchSequences, 3), Math.Round(s.MeanLlmBatchTokens, 3), s.GeneratedTokens, s.DiffusionSteps, s.Preemptions),
            stats.Waiting, stats.Running);
    }

    private static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
