using System.Globalization;
using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Scoring;
using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Evaluation;

/// <summary>
/// <c>eval cache</c>: one generated trace (the bench's standard one, same seeds) replayed in-process through each
/// system (<see cref="CacheSystems.Names"/>, in that order) with the bench's machinery (<see cref="CacheReplay"/> on <see cref="EngineReplayExecutor"/>: iteration-level
/// batches on the real UNet, judge and CLIP scoring off the timed path). <c>none</c> runs first: its images are
/// the reference every other system's images are compared with. The caching systems share one byte budget and the
/// warm-up share; each starts empty.
/// </summary>
public sealed class CacheEvaluation(DiffusionPipeline pipeline, SceneJudge judge, EmojiWorld world, IReadOnlyList<CacheSystem> systems,
    CacheEvaluationOptions options, TextWriter? progress)
{
    public async Task<CacheEvaluationReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        if (!systems.Select(s => s.Name).SequenceEqual(CacheSystems.Names))
        {
            throw new ArgumentException($"the systems must be {string.Join(", ", CacheSystems.Names)} in that order.", nameof(systems));
        }
        var started = DateTime.UtcNow;
        var trace = new TraceGenerator(world, TraceParameters.Default, new TraceOptions { Count = options.Requests, Seed = options.TraceSeed, Users = options.Users }).Generate();
        var measuredFrom = (int)Math.Round(options.Requests * options.Warmup);
        var facts = CacheBench.FactsFor(pipeline, options.Scheduler, options.Steps, options.GuidanceScale);
        var points = new ApproximateCacheOptions { KTables = KTableSet.Uncalibrated, IndexDirectory = null }.Points.StepsFor(options.Steps);
        var grace = CacheBench.Grace(trace, options.GraceRequests, CacheBench.CapacityEntries(options.Budget, points.Count, facts.LatentLength));
        progress?.WriteLine($"eval cache: {trace.Count} requests ({measuredFrom} warm-up), {options.Steps} steps, budget {options.Budget}, "
            + $"LCBFU grace {grace.TotalHours:0.0} h of trace time, {options.Concurrency} in flight, systems {string.Join(", ", CacheSystems.Names)}");

        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "diffusion-eval-cache-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var referenceImages = new Dictionary<int, float[]>();
            var referenceEmbeddings = new Dictionary<int, float[]>();
            var figures = new Dictionary<string, SystemFigures>(StringComparer.Ordinal);
            int FewerSteps() => CacheSystems.FewerStepsFor(options.Steps, figures[CacheSystems.Ours].StepsSaved);   // ours runs first
            foreach (var system in systems)
            {
                var isReference = system.IsReference;
                var distances = new Dictionary<int, (double Pixel, double Cosine)>();
                var pixelDistances = new Dictionary<int, double>();
                var systemFacts = system.Kind == CacheSystemKind.FewerSteps
                    ? CacheBench.FactsFor(pipeline, options.Scheduler, FewerSteps(), options.GuidanceScale)
                    : facts;
                var setup = new ReplaySetup(systemFacts, options.Concurrency, PerUserTenants: false,
                    OnImage: (index, image) =>
                    {
                        if (index < measuredFrom)
                        {
                            return; // warm-up requests are not compared
                        }
                        if (isReference)
                        {
                            referenceImages[index] = image.ToArray();
                        }
                        if (referenceImages.TryGetValue(index, out var reference))
                        {
                            pixelDistances[index] = ImagePixels.MeanAbsoluteDistance(image, reference);
                        }
                    },
                    OnFinished: (index, run) =>
                    {
                        if (isReference && run.ImageEmbedding is { } own)
                        {
                            referenceEmbeddings[index] = own;
                        }
                        if (pixelDistances.Remove(index, out var pixel))
                        {
                            var cosine = run.ImageEmbedding is { } embedding && referenceEmbeddings.TryGetValue(index, out var reference)
                                ? EmbeddingVectors.Cosine(embedding, reference)
                                : double.NaN;
                            distances[index] = (pixel, cosine);
                        }
                    });
                var result = await ReplayAsync(system, trace, measuredFrom, setup, grace, Path.Combine(work, system.Name), cancellationToken)
                    .ConfigureAwait(false);
                figures[system.Name] = EvaluationFigures.Of(system, result, distances, options.Steps);
                var f = figures[system.Name];
                progress?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{system.Name}: steps saved {f.StepsSaved:0.000}, model calls saved {f.ModelCallsSaved:0.000}, judge {f.JudgeAccuracy:0.000}, CLIP {f.ClipScore:0.000}, distance {f.DistanceToNone:0.000}, "
                    + $"p50 {f.LatencyP50S:0.00} s, {f.ThroughputRps:0.00} req/s, {result.Elapsed.TotalMinutes:0.0} min"));
            }
            var ours = systems.Single(s => s.Name == CacheSystems.Ours);
            var nirvana = systems.Single(s => s.Name == CacheSystems.Nirvana);
            return new CacheEvaluationReport
            {
                Systems = figures,
                Configuration = new EvaluationConfiguration
                {
                    ModelId = facts.ModelId,
                    Requests = trace.Count,
                    Measured = trace.Count - measuredFrom,
                    Warmup = options.Warmup,
                    TraceSeed = options.TraceSeed,
                    Users = options.Users,
                    BudgetBytes = options.Budget.Bytes,
                    Concurrency = options.Concurrency,
                    Steps = options.Steps,
                    Guidance = options.GuidanceScale,
                    Scheduler = options.Scheduler.ToString(),
                    GptcacheThreshold = options.GptCacheThreshold,
                    LcbfuGraceSeconds = Math.Round(grace.TotalSeconds),
                    NirvanaKTable = nirvana.TableText,
                    OursMode = ours.EffectiveMode!.Value.ToName(),
                    OursKTable = ours.TableText,
                    OursKTableNote = ours.Tables!.Note,
                    FewerStepsSteps = FewerSteps(),
                    OutputReuseThreshold = systems.Single(s => s.Name == CacheSystems.WithinRequest).OutputReuse,
                },
                Date = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ElapsedMinutes = Math.Round((DateTime.UtcNow - started).TotalMinutes, 1),
            };
        }
        finally
        {
            if (options.WorkDirectory is null)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>One system's replay from an empty cache, on the real UNet.</summary>
    private async Task<ReplayResult> ReplayAsync(CacheSystem system, IReadOnlyList<TraceRequest> trace, int measuredFrom, ReplaySetup setup,
        TimeSpan grace, string directory, CancellationToken cancellationToken)
    {
        var clock = new ReplayClock(CacheBench.TraceStart);
        await using var executor = new EngineReplayExecutor(pipeline, judge, new CanonicalPromptParser(world), options.Concurrency, options.GuidanceScale,
            options.Scheduler, system.OutputReuse);
        switch (system.Kind)
        {
            case CacheSystemKind.None or CacheSystemKind.FewerSteps:
                return await new CacheReplay(executor, null, clock, setup).RunAsync(trace, measuredFrom, system.Name, progress, cancellationToken)
                    .ConfigureAwait(false);
            case CacheSystemKind.ExactImage:
                return await new CacheReplay(executor, null, clock, setup, new ExactImageCache(new FinalImageStore(options.Budget.Bytes)))
                    .RunAsync(trace, measuredFrom, system.Name, progress, cancellationToken).ConfigureAwait(false);
            case CacheSystemKind.NearestImage:
                return await new CacheReplay(executor, null, clock, setup,
                        new NearestImageCache(new FinalImageStore(options.Budget.Bytes), options.GptCacheThreshold))
                    .RunAsync(trace, measuredFrom, system.Name, progress, cancellationToken).ConfigureAwait(false);
            case CacheSystemKind.ApproximateLatent:
                var cacheOptions = new ApproximateCacheOptions
                {
                    KTables = system.Tables ?? throw new ArgumentException($"system {system.Name} is an approximate cache without tables."),
                    Mode = system.Mode,
                    IndexDirectory = null,
                }.Validate();
                await using (var cache = await ReplayCaches.OpenAsync(cacheOptions, directory, options.Budget, setup.Facts.LatentLength, "lcbfu", grace,
                    clock, cancellationToken).ConfigureAwait(false))
                {
                    var result = await new CacheReplay(executor, cache, clock, setup).RunAsync(trace, measuredFrom, system.Name, progress, cancellationToken)
                        .ConfigureAwait(false);
                    // an index that never received the stored entries makes every lookup a silent miss
                    if (cache.Store.Entries().Any() && cache.Index.Sizes().Values.Sum() == 0)
                    {
                        throw new InvalidOperationException($"{system.Name}: the store holds entries but the FAISS index none; is libdiffusion_faiss.so built (kernels/faiss/build.sh)?");
                    }
                    return result;
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(system), system.Kind, "unknown cache system kind");
        }
    }
}
