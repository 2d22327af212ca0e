using System.Globalization;
using Diffusion.Cache;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>
/// <c>eval adaptive-k</c>: one trace whose prompt mix shifts halfway (<see cref="ShiftingTrace"/>), replayed three times
/// through the serving engine on the real UNet: no cache (the reference every image is compared with, same seed), the
/// calibrated table fixed, and the same table learning online. Reports steps saved and the quality drop against the
/// no-cache images before and after the shift, and what the adaptive table learned.
/// </summary>
public sealed class AdaptiveKEvaluation(DiffusionPipeline pipeline, SceneJudge judge, EmojiWorld world, KTableSet tables,
    AdaptiveKEvaluationOptions options, TextWriter? progress)
{
    public async Task<AdaptiveKReport> RunAsync(CancellationToken cancellationToken)
    {
        options.Validate();
        var started = DateTime.UtcNow;
        var trace = ShiftingTrace.Generate(world, options.Requests, options.TraceSeed, options.Users);
        var facts = CacheBench.FactsFor(pipeline, options.Scheduler, options.Steps, options.GuidanceScale);
        var fixedOptions = new ApproximateCacheOptions { KTables = tables, IndexDirectory = null }.Validate();
        var adaptiveOptions = (fixedOptions with { AdaptiveK = options.Adaptive }).Validate();
        var capacity = CacheBench.CapacityEntries(options.Budget, fixedOptions.StoredPoints.StepsFor(options.Steps).Count, facts.LatentLength);
        var grace = CacheBench.Grace(trace.Requests, options.GraceRequests, capacity);
        progress?.WriteLine($"eval adaptive-k: {trace.Requests.Count} requests, the mix shifts at {trace.ShiftAt}; before: {trace.Before}; after: {trace.After}");
        progress?.WriteLine($"eval adaptive-k: {options.Steps} steps, budget {options.Budget}, table {fixedOptions.KTables.For(fixedOptions.EffectiveMode)} "
            + $"({fixedOptions.EffectiveMode.ToName()})");

        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "diffusion-eval-adaptive-k-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var none = await ReplayAsync("none", null, trace, facts, grace, work, null, cancellationToken).ConfigureAwait(false);
            var fixedRun = await ReplayAsync(AdaptiveKReport.Fixed, fixedOptions, trace, facts, grace, work, null, cancellationToken).ConfigureAwait(false);
            var learnedAtShift = "";
            var adaptiveRun = await ReplayAsync(AdaptiveKReport.Adaptive, adaptiveOptions, trace, facts, grace, work,
                cache => learnedAtShift = cache.Adaptive!.Learned().ToString(), cancellationToken).ConfigureAwait(false);

            var reference = none.Result.Records.ToDictionary(r => r.Index);
            var systems = new Dictionary<string, IReadOnlyDictionary<string, PhaseFigures>>
            {
                [AdaptiveKReport.Fixed] = Phases(fixedRun.Result.Records, reference, trace.ShiftAt),
                [AdaptiveKReport.Adaptive] = Phases(adaptiveRun.Result.Records, reference, trace.ShiftAt),
            };
            var curves = new Dictionary<string, IReadOnlyList<CurvePoint>>
            {
                [AdaptiveKReport.Fixed] = Curve(fixedRun.Result.Records, reference),
                [AdaptiveKReport.Adaptive] = Curve(adaptiveRun.Result.Records, reference),
            };
            var fixedAfter = systems[AdaptiveKReport.Fixed][AdaptiveKReport.After];
            var adaptiveAfter = systems[AdaptiveKReport.Adaptive][AdaptiveKReport.After];
            var adaptive = options.Adaptive;
            return new AdaptiveKReport
            {
                Configuration = new AdaptiveKConfiguration(facts.ModelId, trace.Requests.Count, trace.ShiftAt, trace.Before, trace.After, options.TraceSeed,
                    options.Steps, options.GuidanceScale, options.Budget.Bytes, fixedOptions.EffectiveMode.ToName(),
                    fixedOptions.KTables.For(fixedOptions.EffectiveMode).ToString(), adaptive.Tolerance, adaptive.MinSamples, adaptive.Window,
                    adaptive.ExploreRate, adaptive.ControlRate, adaptiveRun.Edges, options.Window),
                Systems = systems,
                Curves = curves,
                LearnedAtShift = learnedAtShift,
                LearnedAtEnd = adaptiveRun.Learned,
                AdaptiveState = adaptiveRun.State,
                AdaptiveBeatsFixedAfterShift = adaptiveAfter.StepsSaved > fixedAfter.StepsSaved
                    && adaptiveAfter.ClipDrop <= fixedAfter.ClipDrop + StandardErrors.OfDifference(adaptiveAfter.ClipDropStandardError, fixedAfter.ClipDropStandardError),
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

    /// <summary>Figures of the requests before and after the shift, each against the same request's no-cache run.</summary>
    public static IReadOnlyDictionary<string, PhaseFigures> Phases(IReadOnlyList<ReplayRecord> records, IReadOnlyDictionary<int, ReplayRecord> reference, int shiftAt) =>
        new Dictionary<string, PhaseFigures>
        {
            [AdaptiveKReport.Before] = Figures(records.Where(r => r.Index < shiftAt).ToArray(), reference),
            [AdaptiveKReport.After] = Figures(records.Where(r => r.Index >= shiftAt).ToArray(), reference),
        };

    public static PhaseFigures Figures(IReadOnlyList<ReplayRecord> records, IReadOnlyDictionary<int, ReplayRecord> reference)
    {
        var paired = records.Where(r => reference.ContainsKey(r.Index)).ToArray();
        var references = paired.Select(r => reference[r.Index]).ToArray();
        var clipDrops = paired.Select(r => reference[r.Index].ClipScore - r.ClipScore).Where(double.IsFinite).ToArray();
        return new PhaseFigures(
            paired.Length,
            Math.Round(BenchFigures.StepsSaved(paired), 4),
            Math.Round(BenchFigures.HitRate(paired), 4),
            Math.Round(BenchFigures.MeanClipScore(paired), 4),
            Math.Round(Mean(clipDrops), 5),
            Math.Round(StandardError(clipDrops), 5),
            Math.Round(BenchFigures.Accuracy(paired), 4),
            Math.Round(BenchFigures.Accuracy(references) - BenchFigures.Accuracy(paired), 4),
            Math.Round(BenchFigures.QualityDropStandardError(paired, references), 4));
    }

    private List<CurvePoint> Curve(IReadOnlyList<ReplayRecord> records, IReadOnlyDictionary<int, ReplayRecord> reference)
    {
        var ordered = records.OrderBy(r => r.Index).ToArray();
        var points = new List<CurvePoint>();
        for (var end = options.Window; end <= ordered.Length; end += Math.Max(1, options.Window / 6))
        {
            var figures = Figures(ordered[(end - options.Window)..end], reference);
            points.Add(new CurvePoint(end, figures.StepsSaved, figures.ClipDrop));
        }
        return points;
    }

    private static double Mean(double[] values) => values.Length == 0 ? double.NaN : values.Average();

    private static double StandardError(double[] values)
    {
        if (values.Length < 2)
        {
            return double.NaN;
        }
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length);
    }

    private async Task<SystemRun> ReplayAsync(string name, ApproximateCacheOptions? cacheOptions, ShiftingTrace trace, CacheRequestFacts facts,
        TimeSpan grace, string work, Action<ApproximateCache>? atShift, CancellationToken cancellationToken)
    {
        var clock = new ReplayClock(CacheBench.TraceStart);
        await using var executor = new EngineReplayExecutor(pipeline, judge, new CanonicalPromptParser(world), options.Concurrency, options.GuidanceScale,
            options.Scheduler, 0);
        if (cacheOptions is null)
        {
            var setup = new ReplaySetup(facts, options.Concurrency, PerUserTenants: false);
            var result = await new CacheReplay(executor, null, clock, setup).RunAsync(trace.Requests, 0, name, progress, cancellationToken).ConfigureAwait(false);
            return new SystemRun(result, null, "", []);
        }
        await using var cache = await ReplayCaches.OpenAsync(cacheOptions, Path.Combine(work, name), options.Budget, facts.LatentLength, "lcbfu", grace,
            clock, cancellationToken).ConfigureAwait(false);
        var withShift = new ReplaySetup(facts, options.Concurrency, PerUserTenants: false,
            OnEmbedded: (request, _) =>
            {
                if (request.Index == trace.ShiftAt)
                {
                    atShift?.Invoke(cache);
                }
            });
        var run = await new CacheReplay(executor, cache, clock, withShift).RunAsync(trace.Requests, 0, name, progress, cancellationToken).ConfigureAwait(false);
        var figures = Figures(run.Records, run.Records.ToDictionary(r => r.Index));
        progress?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: steps saved {figures.StepsSaved:0.000}, hit rate {figures.HitRate:0.000}, CLIP {figures.ClipScore:0.0000}, {run.Elapsed.TotalMinutes:0.0} min"));
        return new SystemRun(run, cache.Adaptive?.Snapshot(), cache.Adaptive?.Learned().ToString() ?? "", cache.Adaptive?.Edges ?? []);
    }

    private sealed record SystemRun(ReplayResult Result, Cache.Adaptive.AdaptiveKSnapshot? State, string Learned, IReadOnlyList<double> Edges);
}
