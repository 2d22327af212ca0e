using Diffusion.Cache.Adaptive;
using Diffusion.CacheStore;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Server.Generation;
using Prometheus;

namespace Diffusion.Server.Metrics;

/// <summary>
/// The service's counters, in one registry of its own (not prometheus-net's static default, so two
/// hosts in one process do not share numbers). Other components add their collectors through
/// <see cref="Factory"/>; everything in <see cref="Registry"/> is exported at /metrics.
/// </summary>
public sealed class ServiceMetrics
{
    private const int RecentWindow = 256;
    private readonly Lock recentGate = new();
    private readonly double[] recent = new double[RecentWindow];
    private int recentCount;
    private int recentNext;

    public ServiceMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);

        HttpRequests = Factory.CreateCounter("diffusion_http_requests_total",
            "HTTP requests by route template, method and status code.", ["route", "method", "status"]);
        GenerationSeconds = Factory.CreateHistogram("diffusion_generation_seconds",
            "Time to generate one image, excluding time in the queue.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });
        Generations = Factory.CreateCounter("diffusion_generations_total",
            "Image generations by outcome (succeeded, failed, cancelled, unavailable, rejected).", ["outcome"]);
        QueueDepth = Factory.CreateGauge("diffusion_queue_depth", "Requests and jobs waiting for a worker.");
        InFlight = Factory.CreateGauge("diffusion_in_flight", "Requests and jobs being generated now.");
        QueueRejections = Factory.CreateCounter("diffusion_queue_rejections_total",
            "Requests and jobs refused with 429 because the queue was full.");
        CacheLookups = Factory.CreateCounter("diffusion_cache_results_total",
            "Generated images by approximate-cache result (hit or miss).", ["result"]);
        CacheStepsSkipped = Factory.CreateCounter("diffusion_cache_steps_skipped_total",
            "Denoising steps skipped thanks to cached latents.");
        StepsRequested = Factory.CreateCounter("diffusion_steps_requested_total",
            "Denoising steps the generated images asked for, run or skipped.");
        CacheSecondsSaved = Factory.CreateCounter("diffusion_cache_seconds_saved_total",
            "Denoising seconds the skipped steps would have cost, each hit's K at its own run's time per step.");
        Expansions = Factory.CreateCounter("diffusion_prompt_expansions_total",
            "Prompt expansions by the guard's outcome: kept (the LLM kept the request) or corrected (the request's facts were drawn).",
            ["outcome"]);
        CacheHitsByK = Factory.CreateCounter("diffusion_cache_hits_by_k_total",
            "Cache hits by K, the denoising steps the hit skipped.", ["k"]);
        ImagesStored = Factory.CreateCounter("diffusion_images_stored_total", "Images written to the gallery store.");
        CacheBytes = Factory.CreateGauge("diffusion_cache_bytes", "Bytes of latents in the approximate cache's store.");
        CacheEntries = Factory.CreateGauge("diffusion_cache_entries", "Cached runs (prompts) in the approximate cache's store.");
        CacheEvictions = Factory.CreateCounter("diffusion_cache_evictions_total", "Latents evicted from the store to stay in its budget.");
        ModelCallsSaved = Factory.CreateCounter("diffusion_model_calls_saved_total",
            "Denoiser calls not made, by mechanism: cross_request (steps a cache hit skipped) and within_request (steps run on a reused output).",
            ["mechanism"]);
        ModelCallsSaved.WithLabels(CrossRequest);
        ModelCallsSaved.WithLabels(WithinRequest);
        SloResults = Factory.CreateCounter("diffusion_slo_requests_total",
            "Generated images by service class and whether they met their due time (met, missed; batch work is 'none').", ["class", "result"]);
        SloLatency = Factory.CreateHistogram("diffusion_slo_latency_seconds",
            "Time from arrival (queue included) to the image, by service class.", ["class"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.05, 2, 14) });
        SloQueueing = Factory.CreateHistogram("diffusion_slo_queueing_seconds",
            "Queueing delay by service class: the service's queue, then the engine's until the image's first denoising step.", ["class"],
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });
    }

    private Func<CacheStoreStats?>? storage;

    /// <summary>
    /// Follows the latent store's gauges (bytes, entries, evictions): read when /metrics is scraped and
    /// given as <see cref="CacheStorage"/> to /v1/metrics.
    /// </summary>
    public void TrackCacheStorage(Func<CacheStoreStats?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        storage = read;
        Registry.AddBeforeCollectCallback(() =>
        {
            if (read() is { } stats)
            {
                CacheBytes.Set(stats.UsedBytes);
                CacheEntries.Set(stats.Entries);
                CacheEvictions.IncTo(stats.Evictions);
            }
        });
    }

    private Func<AdaptiveKSnapshot?>? adaptive;

    /// <summary>Follows the cache's adaptive K table: each bucket's K and the rule's counters at /metrics, the whole state at /v1/metrics.</summary>
    public void TrackAdaptiveK(Func<AdaptiveKSnapshot?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        adaptive = read;
        var k = Factory.CreateGauge("diffusion_cache_adaptive_k",
            "The K (of a 50-step run) the adaptive table uses now per similarity bucket (low, high].", ["low", "high"]);
        var calibrated = Factory.CreateGauge("diffusion_cache_adaptive_calibrated_k",
            "The calibrated K each similarity bucket started from.", ["low", "high"]);
        var events = Factory.CreateCounter("diffusion_cache_adaptive_events_total",
            "The adaptive table's observations (scored images), explorations, controls, promotions and demotions.", ["event"]);
        Registry.AddBeforeCollectCallback(() =>
        {
            if (read() is not { } state)
            {
                return;
            }
            foreach (var bucket in state.Buckets)
            {
                string[] labels = [Edge(bucket.Low), Edge(bucket.High)];
                k.WithLabels(labels).Set(bucket.K);
                calibrated.WithLabels(labels).Set(bucket.CalibratedK);
            }
            events.WithLabels("observation").IncTo(state.Observations);
            events.WithLabels("exploration").IncTo(state.Explorations);
            events.WithLabels("control").IncTo(state.Controls);
            events.WithLabels("promotion").IncTo(state.Promotions);
            events.WithLabels("demotion").IncTo(state.Demotions);
        });

        static string Edge(double x) => x.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The adaptive K table's state, or null without one (or before the cache is open).</summary>
    public AdaptiveKSnapshot? AdaptiveK() => adaptive?.Invoke();

    /// <summary>The store's state now, or null when the service runs without a cache.</summary>
    public CacheStoreStats? CacheStorage() => storage?.Invoke();

    private Func<EngineStats>? engine;

    /// <summary>Follows the engine's block pool and batching: exported at /metrics and given to /v1/metrics.</summary>
    public void TrackEngine(Func<EngineStats> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        engine = read;
        var total = Factory.CreateGauge("diffusion_engine_blocks_total", "Blocks of the engine's paged memory pool.");
        var used = Factory.CreateGauge("diffusion_engine_blocks_used", "Blocks in use (LLM KV caches and diffusion latents).");
        var shared = Factory.CreateGauge("diffusion_engine_blocks_shared", "Blocks shared by more than one sequence (prefix caching).");
        var batch = Factory.CreateGauge("diffusion_engine_mean_diffusion_batch", "Mean diffusion jobs per engine iteration.");
        var pauses = Factory.CreateCounter("diffusion_engine_pauses_total",
            "Diffusion jobs paused at a step boundary for more urgent work (least-slack and cache-aware policies).");
        var due = Factory.CreateCounter("diffusion_engine_due_total",
            "Engine requests (expansions and denoising jobs) with a due time, by whether they finished by it.", ["result"]);
        Registry.AddBeforeCollectCallback(() =>
        {
            var stats = read();
            total.Set(stats.Memory.TotalBlocks);
            used.Set(stats.Memory.UsedBlocks);
            shared.Set(stats.Memory.SharedBlocks);
            batch.Set(stats.Scheduler.MeanDiffusionBatch);
            pauses.IncTo(stats.Scheduler.Pauses);
            due.WithLabels("met").IncTo(stats.Scheduler.DueMet);
            due.WithLabels("missed").IncTo(stats.Scheduler.DueMissed);
        });
    }

    /// <summary>The engine's state now, or null when the service runs without the engine.</summary>
    public EngineStats? EngineSnapshot() => engine?.Invoke();

    public CollectorRegistry Registry { get; }
    public IMetricFactory Factory { get; }

    public Counter HttpRequests { get; }
    public Histogram GenerationSeconds { get; }
    public Counter Generations { get; }
    public Gauge QueueDepth { get; }
    public Gauge InFlight { get; }
    public Counter QueueRejections { get; }
    public Counter CacheLookups { get; }
    public Counter CacheStepsSkipped { get; }
    public Counter StepsRequested { get; }
    public Counter CacheSecondsSaved { get; }
    public Counter Expansions { get; }
    public Counter CacheHitsByK { get; }

    /// <summary>The <c>mechanism</c> labels of <see cref="ModelCallsSaved"/>.</summary>
    public const string CrossRequest = "cross_request", WithinRequest = "within_request";

    public Counter ModelCallsSaved { get; }
    public Counter ImagesStored { get; }
    public Gauge CacheBytes { get; }
    public Gauge CacheEntries { get; }
    public Counter CacheEvictions { get; }

    public void ObserveRequest(string route, string method, int status) =>
        HttpRequests.WithLabels(route, method, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    /// <param name="seconds">The whole generation, queue excluded.</param>
    /// <param name="cache">What the cache did for it.</param>
    /// <param name="steps">The steps the request asked for.</param>
    /// <param name="denoiseSeconds">Time spent running the steps that were not skipped; null when not measured.</param>
    /// <param name="reusedSteps">Steps run on the denoiser's reused output (within-request reuse).</param>
    public void ObserveGeneration(double seconds, CacheReport cache, int steps, double? denoiseSeconds, int reusedSteps = 0)
    {
        if (reusedSteps > 0)
        {
            ModelCallsSaved.WithLabels(WithinRequest).Inc(reusedSteps);
        }
        GenerationSeconds.Observe(seconds);
        Generations.WithLabels(GenerationOutcome.Succeeded).Inc();
        CacheLookups.WithLabels(cache.Hit ? "hit" : "miss").Inc();
        StepsRequested.Inc(Math.Max(steps, 0));
        if (cache.Hit)
        {
            CacheStepsSkipped.Inc(cache.K);
            ModelCallsSaved.WithLabels(CrossRequest).Inc(cache.K);
            if (SecondsSaved(cache.K, steps, denoiseSeconds) is { } saved) CacheSecondsSaved.Inc(saved);
            CacheHitsByK.WithLabels(cache.K.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        }
        lock (recentGate)
        {
            recent[recentNext] = seconds;
            recentNext = (recentNext + 1) % RecentWindow;
            recentCount = Math.Min(recentCount + 1, RecentWindow);
        }
    }

    /// <summary>
    /// What K skipped steps would have cost: K at this run's own time per step (denoise seconds over the
    /// steps it ran). Null when nothing was run to time (a hit that skipped every step) or nothing was timed.
    /// </summary>
    public static double? SecondsSaved(int k, int steps, double? denoiseSeconds) =>
        k > 0 && steps > k && denoiseSeconds is > 0 ? k * denoiseSeconds.Value / (steps - k) : null;

    public void ObserveExpansion(ExpansionReport expansion) => Expansions.WithLabels(expansion.Corrected ? "corrected" : "kept").Inc();

    public void ObserveFailure(string outcome) => Generations.WithLabels(outcome).Inc();

    public Counter SloResults { get; }

    public Histogram SloLatency { get; }

    public Histogram SloQueueing { get; }

    /// <summary>
    /// One image of <paramref name="slo"/> class finished at <paramref name="finished"/>: met or missed its due time;
    /// it waited <paramref name="queueing"/> in queues in all.
    /// </summary>
    public void ObserveServiceLevel(SloClass slo, DateTimeOffset? due, DateTimeOffset finished, DateTimeOffset? arrived, TimeSpan queueing)
    {
        var name = ServiceLevel.Name(slo);
        SloResults.WithLabels(name, due is null ? "none" : finished <= due ? "met" : "missed").Inc();
        if (arrived is { } at)
        {
            SloLatency.WithLabels(name).Observe(Math.Max(0, (finished - at).TotalSeconds));
        }
        SloQueueing.WithLabels(name).Observe(Math.Max(0, queueing.TotalSeconds));
    }

    /// <summary>Generation times of the last (up to) 256 images, oldest first not guaranteed.</summary>
    public double[] RecentGenerationSeconds()
    {
        lock (recentGate) return recent[..recentCount];
    }
}

/// <summary>Label values of <see cref="ServiceMetrics.Generations"/>.</summary>
public static class GenerationOutcome
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Unavailable = "unavailable";
    public const string Rejected = "rejected";
}
