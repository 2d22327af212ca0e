using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;
using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>
/// <c>bench cache</c>: the standard generated trace (fixed seed) replayed in-process with the same seeds,
/// cache off and cache on (LCBFU, on the real UNet), then cache on with LCBFU, LRU and FIFO in accounting
/// replays at the same budget. The first <see cref="CacheBenchOptions.Warmup"/> of the trace only fills the
/// cache; the figures cover the rest.
/// </summary>
public sealed class CacheBench(DiffusionPipeline pipeline, SceneJudge judge, EmojiWorld world, KTableSet tables, CacheBenchOptions options,
    TextWriter? progress)
{
    /// <summary>Where replays' trace clocks start (any fixed instant: only differences matter).</summary>
    public static readonly DateTimeOffset TraceStart = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Only the eviction-policy comparison, without generating: accounting replays of LCBFU, LRU and FIFO on
    /// prompt→prompt decisions, with placeholder latents (their values never affect the store's decisions).
    /// Seconds instead of hours; for choosing a budget or grace period.
    /// </summary>
    public async Task<PolicyComparison> ComparePoliciesAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var trace = new TraceGenerator(world, TraceParameters.Default, new TraceOptions { Count = options.Requests, Seed = options.TraceSeed, Users = options.Users }).Generate();
        var measuredFrom = (int)Math.Round(options.Requests * options.Warmup);
        var cacheOptions = CacheOptions();
        if (cacheOptions.EffectiveMode != RetrievalMode.PromptToPrompt)
        {
            throw new InvalidOperationException("the policy comparison without generation needs prompt-to-prompt retrieval (prompt-to-image needs the images).");
        }
        var facts = Facts();
        var points = cacheOptions.Points.StepsFor(options.Steps);
        var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var prompt in trace.Select(r => r.Prompt).Distinct())
        {
            embeddings[prompt] = EmbeddingVectors.OfPrompt(pipeline.EncodePrompt(prompt));
        }
        var off = new OffRunArtifacts();
        var placeholder = new float[facts.LatentLength];
        foreach (var request in trace)
        {
            foreach (var step in points)
            {
                off.AddLatent(request.Index, step, placeholder, placeholder.Length);
            }
        }
        var grace = Grace(trace, StoredPointCount(cacheOptions), facts.LatentLength);
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "diffusion-bench-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var results = new List<(string Policy, ReplayResult Result)>();
            foreach (var policy in EvictionPolicies.Names)
            {
                results.Add((policy, await AccountingReplayAsync(trace, measuredFrom, facts, cacheOptions, policy, grace,
                    new AccountingReplayExecutor(embeddings, off), Path.Combine(work, policy), $"accounting ({policy})", cancellationToken).ConfigureAwait(false)));
            }
            // the similarities and rows of the first policy: LCBFU, the shipped one
            var (first, firstResult) = results[0];
            return new PolicyComparison(results.Select(r => Figures(r.Policy, accounting: true, r.Result)).ToArray(),
                LookupSimilarities(firstResult, cacheOptions, $"accounting replay ({first})"), RequestRow.Of(firstResult.Records, null));
        }
        finally
        {
            if (options.WorkDirectory is null && Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    public async Task<CacheBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var started = DateTime.UtcNow;
        var trace = new TraceGenerator(world, TraceParameters.Default, new TraceOptions { Count = options.Requests, Seed = options.TraceSeed, Users = options.Users }).Generate();
        var measuredFrom = (int)Math.Round(options.Requests * options.Warmup);
        var parser = new CanonicalPromptParser(world);
        var facts = Facts();
        var cacheOptions = CacheOptions();
        var points = cacheOptions.Points.StepsFor(options.Steps);
        var latentLength = facts.LatentLength;
        // an entry holds the points the table can select; the off run keeps every point for the accounting replays
        var storedPoints = StoredPointCount(cacheOptions);
        var capacityEntries = CapacityEntries(storedPoints, latentLength);
        var grace = Grace(trace, storedPoints, latentLength);
        progress?.WriteLine($"bench cache: {trace.Count} requests ({measuredFrom} warm-up), budget {options.Budget} ≈ {capacityEntries:0} full entries, "
            + $"LCBFU grace {grace.TotalHours:0.0} h of trace time, mode {cacheOptions.EffectiveMode.ToName()}, {options.Concurrency} in flight");

        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "diffusion-bench-cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var off = new OffRunArtifacts();
            var embeddings = new Dictionary<string, float[]>(StringComparer.Ordinal);
            var offSetup = new ReplaySetup(facts, options.Concurrency, options.PerUserTenants, points.ToHashSet(),
                (index, capture) => off.AddLatent(index, capture.Step, capture.Latents, latentLength),
                (index, run) => off.AddImageEmbedding(index, run.ImageEmbedding),
                (request, embedding) => embeddings.TryAdd(request.Prompt, embedding));
            ReplayResult offResult, onResult;
            string? learned = null;
            var clock = new ReplayClock(TraceStart);
            await using (var offExecutor = Executor())
            await using (var onExecutor = Executor())
            await using (var cache = await OpenCacheAsync(cacheOptions, latentLength, "lcbfu", grace, clock, Path.Combine(work, "cache-on-lcbfu"), cancellationToken)
                .ConfigureAwait(false))
            {
                var offReplay = new CacheReplay(offExecutor, null, new ReplayClock(TraceStart), offSetup);
                var onReplay = new CacheReplay(onExecutor, cache, clock, new ReplaySetup(facts, options.Concurrency, options.PerUserTenants));
                offReplay.Begin(trace, measuredFrom, "cache off", progress);
                onReplay.Begin(trace, measuredFrom, "cache on (lcbfu)", progress);
                var segment = options.InterleaveRequests > 0 ? options.InterleaveRequests : trace.Count;
                for (int end = segment, turn = 0; ; end += segment, turn++)
                {
                    // which one goes first alternates too, so whatever a segment's start costs falls on both alike
                    var (first, second) = turn % 2 == 0 ? (offReplay, onReplay) : (onReplay, offReplay);
                    await first.RunUntilAsync(end, cancellationToken).ConfigureAwait(false);
                    await second.RunUntilAsync(end, cancellationToken).ConfigureAwait(false);
                    if (end >= trace.Count)
                    {
                        break;
                    }
                }
                offResult = offReplay.Result();
                onResult = onReplay.Result();
                learned = cache.Adaptive?.Learned().ToString();
            }
            var policies = new List<PolicyFigures> { Figures("lcbfu", accounting: false, onResult) };
            foreach (var policy in EvictionPolicies.Names)
            {
                var result = await OnReplayAsync(policy, new AccountingReplayExecutor(embeddings, off), $"accounting ({policy})").ConfigureAwait(false);
                policies.Add(Figures(policy, accounting: true, result));
            }
            return Report(offResult, onResult, policies, cacheOptions, grace, DateTime.UtcNow - started) with { LearnedKTable = learned };
        }
        finally
        {
            if (options.WorkDirectory is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }

        EngineReplayExecutor Executor() => new(pipeline, judge, parser, options.Concurrency, options.GuidanceScale, options.Scheduler);

        // accounting replays score no images, so an adaptive table would only explore: they keep the calibrated table
        Task<ReplayResult> OnReplayAsync(string policy, IReplayExecutor executor, string label) =>
            AccountingReplayAsync(trace, measuredFrom, facts, cacheOptions with { AdaptiveK = null }, policy, grace, executor,
                Path.Combine(work, label.Replace(' ', '-').Replace("(", "").Replace(")", "")), label, cancellationToken);
    }

    /// <summary>An accounting cache-on replay (decisions only, no generation) with a fresh store under <paramref name="directory"/>.</summary>
    private async Task<ReplayResult> AccountingReplayAsync(IReadOnlyList<TraceRequest> trace, int measuredFrom, CacheRequestFacts facts,
        ApproximateCacheOptions cacheOptions, string policy, TimeSpan grace, IReplayExecutor executor, string directory, string label,
        CancellationToken cancellationToken)
    {
        var clock = new ReplayClock(TraceStart);
        await using var cache = await OpenCacheAsync(cacheOptions, facts.LatentLength, policy, grace, clock, directory, cancellationToken).ConfigureAwait(false);
        return await new CacheReplay(executor, cache, clock, new ReplaySetup(facts, options.Concurrency, options.PerUserTenants))
            .RunAsync(trace, measuredFrom, label, progress, cancellationToken).ConfigureAwait(false);
    }

    // the latent length comes from the caller's facts: building them again would hash the model's files again
    private Task<ApproximateCache> OpenCacheAsync(ApproximateCacheOptions cacheOptions, int latentLength, string policy, TimeSpan grace,
        ReplayClock clock, string directory, CancellationToken cancellationToken) =>
        ReplayCaches.OpenAsync(cacheOptions, directory, options.Budget, latentLength, policy, grace, clock, cancellationToken);

    /// <summary>The cache as every replay of this bench configures it (in memory indexes, the bench's table, mode and lineage rule).</summary>
    private ApproximateCacheOptions CacheOptions() =>
        new ApproximateCacheOptions
        {
            KTables = tables, Mode = options.Mode, IndexDirectory = null, CheckLineage = options.CheckLineage, AdaptiveK = options.AdaptiveK,
        }.Validate();

    private CacheRequestFacts Facts() => FactsFor(pipeline, options.Scheduler, options.Steps, options.GuidanceScale);

    /// <summary>The facts every replayed request shares (prompt and seed come from each request).</summary>
    public static CacheRequestFacts FactsFor(DiffusionPipeline pipeline, Inference.Scheduling.SchedulerKind scheduler, int steps, float guidance)
    {
        var models = pipeline.Models;
        return new CacheRequestFacts
        {
            Prompt = "",
            ModelId = ModelIdentity.Of(models.Folder),
            Size = new ImageSize(models.ImageWidth, models.ImageHeight),
            LatentShape = [models.Unet.Channels, models.Unet.LatentHeight, models.Unet.LatentWidth],
            Scheduler = scheduler,
            Steps = steps,
            Guidance = guidance,
        };
    }

    /// <summary>Latents one entry holds at this run's step count.</summary>
    private int StoredPointCount(ApproximateCacheOptions cacheOptions) => cacheOptions.StoredPoints.StepsFor(options.Steps).Count;

    private double CapacityEntries(int cacheSteps, int latentLength) => CapacityEntries(options.Budget, cacheSteps, latentLength);

    /// <summary>How many full entries (a latent at every cache step) <paramref name="budget"/> holds.</summary>
    public static double CapacityEntries(ByteSize budget, int cacheSteps, int latentLength) =>
        budget.Bytes / (double)(cacheSteps * LatentFileFormat.FileLength(latentLength, 3, TenantId.Default));

    private TimeSpan Grace(IReadOnlyList<TraceRequest> trace, int cacheSteps, int latentLength) =>
        Grace(trace, options.GraceRequests, CapacityEntries(cacheSteps, latentLength));

    /// <summary>LCBFU's grace period in trace time: the mean gap times <paramref name="graceRequests"/>, or an eighth of the capacity in entries.</summary>
    public static TimeSpan Grace(IReadOnlyList<TraceRequest> trace, double? graceRequests, double capacityEntries)
    {
        var meanGap = trace.Count > 1 ? (trace[^1].At - trace[0].At) / (trace.Count - 1) : TimeSpan.FromMinutes(1);
        return meanGap * (graceRequests ?? capacityEntries / 8);
    }

    /// <summary>The measured requests' best lookup similarities (hits and misses that met a candidate).</summary>
    private TrafficSimilarities LookupSimilarities(ReplayResult result, ApproximateCacheOptions cacheOptions, string run) => new(
        $"bench cache {run}: trace seed {options.TraceSeed}, {options.Requests} requests (warm-up {options.Warmup}), budget {options.Budget}, "
            + $"table {cacheOptions.KTables.For(cacheOptions.EffectiveMode)}",
        cacheOptions.EffectiveMode.ToName(),
        result.Records.Where(r => r.Measured && r.Similarity is not null).Select(r => r.Similarity!.Value).ToArray());

    private static PolicyFigures Figures(string policy, bool accounting, ReplayResult result)
    {
        var measured = result.Records.Where(r => r.Measured).ToArray();
        return new PolicyFigures(policy, accounting, Math.Round(BenchFigures.StepsSaved(measured), 4),
            Math.Round(BenchFigures.HitRate(measured), 4), result.Evictions, result.MaxUsedBytes,
            BenchFigures.HitsByK(measured), Math.Round(BenchFigures.IterationsP50Ratio(measured), 4));
    }

    private CacheBenchReport Report(ReplayResult offResult, ReplayResult onResult, IReadOnlyList<PolicyFigures> policies,
        ApproximateCacheOptions cacheOptions, TimeSpan grace, TimeSpan elapsed)
    {
        var off = offResult.Records.Where(r => r.Measured).ToArray();
        var on = onResult.Records.Where(r => r.Measured).ToArray();
        double Ms(IEnumerable<ReplayRecord> records, double q) => Math.Round(BenchFigures.Quantile(records.Select(r => r.Latency.TotalMilliseconds), q), 1);
        return new CacheBenchReport
        {
            ModelId = ModelIdentity.Of(pipeline.Models.Folder),
            Mode = cacheOptions.EffectiveMode.ToName(),
            KTable = cacheOptions.KTables.For(cacheOptions.EffectiveMode).ToString(),
            Requests = offResult.Records.Count,
            Measured = on.Length,
            Warmup = options.Warmup,
            TraceSeed = options.TraceSeed,
            BudgetBytes = options.Budget.Bytes,
            Concurrency = options.Concurrency,
            InterleaveRequests = options.InterleaveRequests,
            Steps = options.Steps,
            Guidance = options.GuidanceScale,
            GraceSeconds = Math.Round(grace.TotalSeconds),
            PerUserTenants = options.PerUserTenants,
            StepsSaved = Math.Round(BenchFigures.StepsSaved(on), 4),
            HitRate = Math.Round(BenchFigures.HitRate(on), 4),
            HitsByK = BenchFigures.HitsByK(on),
            HitRateByKind = on.GroupBy(r => r.Kind).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(), g => Math.Round(g.Count(r => r.Hit) / (double)g.Count(), 4)),
            LatencyP50OffMs = Ms(off, 0.5),
            LatencyP50OnMs = Ms(on, 0.5),
            LatencyP95OffMs = Ms(off, 0.95),
            LatencyP95OnMs = Ms(on, 0.95),
            IterationsP50Ratio = Math.Round(BenchFigures.IterationsP50Ratio(on), 4),
            AccuracyOff = Math.Round(BenchFigures.Accuracy(off), 4),
            AccuracyOn = Math.Round(BenchFigures.Accuracy(on), 4),
            QualityDropStandardError = Math.Round(BenchFigures.QualityDropStandardError(on, off), 4),
            MetricsOff = BenchFigures.MetricAccuracy(off),
            MetricsOn = BenchFigures.MetricAccuracy(on),
            ClipScoreOff = Math.Round(BenchFigures.MeanClipScore(off), 4),
            ClipScoreOn = Math.Round(BenchFigures.MeanClipScore(on), 4),
            LookupOverheadP99 = Math.Round(BenchFigures.LookupOverhead(on, off), 4),
            LookupP99Ms = Math.Round(BenchFigures.Quantile(on.Select(r => r.LookupOverhead.TotalMilliseconds), 0.99), 2),
            MaxDiskBytes = onResult.MaxUsedBytes,
            Evictions = onResult.Evictions,
            Policies = policies,
            RequestRows = RequestRow.Of(onResult.Records, offResult.Records),
            Lookups = LookupSimilarities(onResult, cacheOptions, "cache-on run (lcbfu)"),
            ElapsedMinutes = Math.Round(elapsed.TotalMinutes, 1),
        };
    }
}
