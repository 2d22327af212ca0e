namespace Diffusion.Replay.Metrics;

/// <summary>
/// Picks the counters the replay understands out of the service's <c>/metrics</c> text. A family
/// the server does not export gives no counter; a declared family without a matching sample is 0
/// (labelled counters appear only once they count something).
/// </summary>
public static class PrometheusCounterReader
{
    public const string HttpRequests = "diffusion_http_requests_total";
    public const string Generations = "diffusion_generations_total";
    public const string QueueRejections = "diffusion_queue_rejections_total";
    public const string ImagesStored = "diffusion_images_stored_total";
    public const string CacheResults = "diffusion_cache_results_total";
    public const string CacheLookups = "diffusion_cache_lookups_total";
    public const string CacheStepsSkipped = "diffusion_cache_steps_skipped_total";

    public static IReadOnlyDictionary<string, double> Read(PrometheusDocument document)
    {
        var counters = new Dictionary<string, double>(StringComparer.Ordinal);
        if (document.Has(HttpRequests))
        {
            var route = ("route", CounterNames.GenerationsRoute);
            var post = ("method", "POST");
            counters[CounterNames.GenerationRequests] = document.Sum(HttpRequests, route, post);
            counters[CounterNames.GenerationRequestsOk] = document.Sum(HttpRequests, route, post, ("status", "200"));
            counters[CounterNames.GenerationRequests429] = document.Sum(HttpRequests, route, post, ("status", "429"));
        }
        if (document.Has(Generations))
            counters[CounterNames.GenerationsSucceeded] = document.Sum(Generations, ("outcome", "succeeded"));
        if (document.Has(QueueRejections))
            counters[CounterNames.QueueRejections] = document.Sum(QueueRejections);
        if (document.Has(ImagesStored))
            counters[CounterNames.ImagesStored] = document.Sum(ImagesStored);
        if (document.Has(CacheResults))
        {
            counters[CounterNames.CacheHits] = document.Sum(CacheResults, ("result", "hit"));
            counters[CounterNames.CacheMisses] = document.Sum(CacheResults, ("result", "miss"));
        }
        if (document.Has(CacheLookups))
            counters[CounterNames.CacheLookups] = document.Sum(CacheLookups);
        if (document.Has(CacheStepsSkipped))
            counters[CounterNames.CacheStepsSkipped] = document.Sum(CacheStepsSkipped);
        return counters;
    }
}
