using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;
using Diffusion.Inference.Vocabulary;
using Diffusion.Server.Caching;
using Diffusion.Server.Identity;
using CacheModeSetting = Diffusion.Cache.CacheMode;

namespace Diffusion.Server.Generation;

/// <summary>
/// The service's generator: optionally expands the prompt with the engine's LLM, looks it up in the
/// approximate cache, runs the remaining denoising steps as engine jobs (batched with other requests)
/// while the cache steps' latents are stored, and decodes. Without a cache every request is a full run; a request that
/// uses the cache while it is still opening at start-up waits for it.
/// </summary>
public sealed class ServiceImageGenerator : IImageGenerator
{
    private readonly DiffusionPipeline _pipeline;
    private readonly EngineHost _engine;
    private readonly CacheReadiness? _cache;
    private readonly ExpansionGuard? _guard;
    private readonly SharedPoolPolicy? _sharedPool;
    private readonly TimeProvider _time;

    /// <param name="cache">The cache as it opens at start-up; null serves every request as a full run.</param>
    /// <param name="sharedPool">Who may start from whose entries across tenants; null keeps every tenant private.</param>
    public ServiceImageGenerator(DiffusionPipeline pipeline, EngineHost engine, CacheReadiness? cache, string modelId,
        SharedPoolPolicy? sharedPool = null, TimeProvider? time = null)
    {
        _sharedPool = sharedPool;
        _time = time ?? TimeProvider.System;
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        if (engine.Images is null)
        {
            throw new ArgumentException("the engine was started without the diffusion pipeline (use EngineHost.StartForModels)", nameof(engine));
        }
        _cache = cache;
        Model = DescribeModel(pipeline.Models, modelId);
        _guard = Model.Vocabulary is { } vocabulary ? new ExpansionGuard(vocabulary) : null;
    }

    public ModelDescription Model { get; }

    /// <summary>What a loaded model folder serves: its native size, the three samplers, its guidance.</summary>
    public static ModelDescription DescribeModel(DiffusionModels models, string modelId) =>
        new(modelId, "diffusion", File.GetLastWriteTimeUtc(Path.Combine(models.Folder.Root, "model_index.json")),
            [new ImageSize(models.ImageWidth, models.ImageHeight)],
            [SchedulerKind.Ddim.ToName(), SchedulerKind.Euler.ToName(), SchedulerKind.DpmSolverPlusPlus2M.ToName()],
            models.Schedulers.MaxSteps(GenerationRequest.MaxSteps))
        {
            DefaultGuidanceScale = models.Folder.DefaultGuidanceScale,
            Vocabulary = models.Folder.Vocabulary is { } vocabulary ? new PromptVocabulary(vocabulary) : null,
        };

    public async Task<GeneratedImage> GenerateAsync(ImageGenerationSpec spec, IProgress<DenoiseProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var timings = new Dictionary<string, double>();
        var prompt = spec.Prompt;
        string? revised = null;
        ExpansionReport? expansion = null;
        IReadOnlyList<string>? warnings = null;
        if (!spec.ExpandPrompt && Model.Vocabulary?.Check(prompt).UnknownWords is { Count: > 0 } unknown)
        {
            warnings = unknown.Select(w => $"“{w}” is not in this model's vocabulary; the model ignores it.").ToList();
        }
        // The service level: due at the deadline, or at twice the request's own work alone on the engine (priced by
        // the engine's cost model); the expansion must leave the image's work before that.
        var level = new ServiceLevel(spec.Slo, spec.ArrivedAt ?? _time.GetUtcNow(), spec.Deadline);
        var costs = _engine.Scheduler.Costs;
        var imageWork = costs.Diffusion(spec.Steps, 1);
        var expansionWork = spec.ExpandPrompt && _engine.LlmConfig is { } llm ? costs.Llm(llm.MaxPositions) : TimeSpan.Zero;
        var due = level.DueFor(expansionWork + imageWork);
        var imageOptions = level.Options(due);
        if (spec.ExpandPrompt)
        {
            var started = Stopwatch.GetTimestamp();
            revised = await ExpandAsync(prompt, level.Options(due, imageWork), cancellationToken).ConfigureAwait(false);
            if (_guard is not null)
            {
                var guarded = _guard.Guard(prompt, revised);
                revised = guarded.Prompt;
                expansion = new ExpansionReport(guarded.FilledIn, guarded.Corrected);
                warnings = guarded.Warnings.Count > 0 ? guarded.Warnings : null;
            }
            prompt = revised;
            timings["llm_expand"] = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        var request = new GenerationRequest
        {
            Prompt = prompt,
            NegativePrompt = spec.NegativePrompt ?? "",
            Seed = (ulong)spec.Seed,
            Steps = spec.Steps,
            GuidanceScale = (float)spec.GuidanceScale,
            Scheduler = SchedulerKinds.Parse(spec.Scheduler),
            Width = spec.Width,
            Height = spec.Height,
            OutputReuseThreshold = spec.OutputReuse,
        };
        var hooks = progress is null ? null : new GenerationHooks
        {
            StepCompleted = p => progress.Report(new DenoiseProgress(p.Step, p.TotalSteps, p.Elapsed)),
        };

        GenerationResult result;
        CacheReport cache;
        var seed = spec.Seed;   // the seed whose noise shaped the image
        if (_cache is null || spec.Cache == CacheMode.Off)
        {
            result = await _engine.Images!.GenerateAsync(request, hooks, imageOptions, cancellationToken).ConfigureAwait(false);
            cache = CacheReport.Miss;
        }
        else
        {
            // Waits, with the request's token, for a cache still opening rather than answering 503: the opening is a
            // one-off of seconds, and a client that sent a valid request wants its image, not a retry loop. A cache
            // that could not be opened throws GeneratorUnavailableException: a 503 with the reason.
            var opened = await _cache.WaitAsync(cancellationToken).ConfigureAwait(false);
            var cached = await opened.Generator.GenerateAsync(request, spec.Tenant, ToCacheMode(spec.Cache), hooks, cancellationToken,
                    _sharedPool?.For(spec.Tenant, spec.CacheScope), new EngineGenerationRunner(_engine.Images!, imageOptions))
                .ConfigureAwait(false);
            result = cached.Generation;
            var lookup = cached.Lookup;
            cache = lookup.IsHit
                ? new CacheReport(true, lookup.K, (float?)lookup.Similarity, cached.Cache.SourceId)
                {
                    SourceSeed = lookup.SourceSeed,
                    ExactRepeat = cached.Variation.ExactRepeat,
                    Variation = cached.Variation.Strength,
                    Shared = lookup.FromSharedPool,
                    SourceHidden = lookup.FromSharedPool && _sharedPool?.Defended == true,
                }
                : cached.Cache.Similarity is { } similarity ? CacheReport.MissWithSimilarity((float)similarity) : CacheReport.Miss;
            seed = unchecked((long)cached.Variation.EffectiveSeed);
            cache = cache with { StoredAs = cached.StoredAs?.Id.ToString() };
            timings["cache_lookup"] = (lookup.SearchTime + lookup.LoadTime).TotalSeconds;
        }

        timings["text_encoder"] = result.Timings.Encode.TotalSeconds;
        timings[GeneratedImage.DenoiseStage] = result.Timings.Denoise.TotalSeconds;
        timings[GeneratedImage.EngineWaitStage] = result.Denoise.Waited.TotalSeconds;
        timings["vae_decode_png"] = result.Timings.DecodeAndPng.TotalSeconds;
        return new GeneratedImage(result.Png[0], seed, revised, cache, timings)
        {
            Expansion = expansion,
            Warnings = warnings,
            Due = due,
            ReusedSteps = result.Denoise.ReusedSteps,
        };
    }

    private async Task<string> ExpandAsync(string prompt, RequestOptions options, CancellationToken cancellationToken)
    {
        if (_engine.Codec is null)
        {
            throw new GenerationRejectedException("expand_prompt", "prompt expansion needs an LLM, and the model folder has no llm/");
        }
        string expanded;
        try
        {
            expanded = await _engine.ExpandPromptAsync(prompt, cancellationToken: cancellationToken, options: options).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new GenerationRejectedException("prompt", ex.Message);
        }
        if (string.IsNullOrWhiteSpace(expanded))
        {
            // The LLM said nothing usable: keep the user's words rather than draw an empty prompt.
            return prompt;
        }
        return expanded;
    }

    private static CacheModeSetting ToCacheMode(CacheMode mode) => mode switch
    {
        CacheMode.Auto => CacheModeSetting.Auto,
        CacheMode.Refresh => CacheModeSetting.Refresh,
        _ => CacheModeSetting.Off,
    };
}
