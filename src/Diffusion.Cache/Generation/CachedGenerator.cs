using System.Diagnostics;
using Diffusion.Cache.Admission;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.Cache.Generation;

/// <summary>
/// One request end to end with the approximate cache: encode the prompt → look up a similar cached
/// prompt → run the remaining steps (from K on a hit) through the <see cref="IGenerationRunner"/> while
/// the cache steps' latents are queued to the store → queue the final image's CLIP embedding.
/// <c>cache: off</c> neither looks up nor stores; <c>refresh</c> stores without looking up.
/// </summary>
public sealed class CachedGenerator : IAsyncDisposable
{
    private readonly DiffusionPipeline _pipeline;
    private readonly ApproximateCache _cache;
    private readonly IGenerationRunner _runner;
    private readonly ImageEmbeddingQueue? _imageEmbeddings;

    public CachedGenerator(DiffusionPipeline pipeline, ApproximateCache cache, IGenerationRunner? runner = null, ILogger? logger = null,
        int imageEmbeddingQueueCapacity = 64)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        _runner = runner ?? new PipelineGenerationRunner(pipeline);
        var hasImageEncoder = pipeline.Models.ImageEncoder is not null;
        if (cache.Mode == RetrievalMode.PromptToImage && !hasImageEncoder)
        {
            throw new InvalidOperationException(
                $"prompt-to-image retrieval needs the model's image_encoder/, which {pipeline.Models.Folder.Root} lacks; use prompt-to-prompt.");
        }
        if (cache.Adaptive is not null && !hasImageEncoder)
        {
            throw new InvalidOperationException(
                $"adaptive K learns from the CLIP scores of the images hits make, which needs the model's image_encoder/; {pipeline.Models.Folder.Root} lacks it.");
        }
        ModelId = ModelIdentity.Of(pipeline.Models.Folder);
        _imageEmbeddings = hasImageEncoder
            ? new ImageEmbeddingQueue(pipeline, imageEmbeddingQueueCapacity, logger ?? NullLogger.Instance)
            : null;
    }

    /// <summary>The id stored with this model's entries.</summary>
    public string ModelId { get; }

    public ApproximateCache Cache => _cache;

    /// <summary>
    /// Generates <paramref name="request"/> (which must not set StartStep/StartLatent: the cache decides) for
    /// <paramref name="tenant"/>, which may also start from <paramref name="pool"/>'s entries. The caller's hooks still
    /// see progress and the captures it asked for. <paramref name="runner"/> runs this request's steps instead of the
    /// generator's own (the engine with this request's service level).
    /// </summary>
    public async Task<CachedGenerationResult> GenerateAsync(GenerationRequest request, TenantId tenant, CacheMode mode,
        GenerationHooks? hooks = null, CancellationToken cancellationToken = default, SharedPool? pool = null, IGenerationRunner? runner = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var models = _pipeline.Models;
        request.Validate(models.ImageWidth, models.ImageHeight, _pipeline.LatentLength);
        if (request.StartStep != 0 || request.StartLatent is not null)
        {
            throw new ArgumentException("a cached request starts at step 0; the cache chooses where to resume.", nameof(request));
        }
        var started = Stopwatch.GetTimestamp();
        var prompt = await Task.Run(() => _pipeline.EncodePrompt(request.Prompt), cancellationToken).ConfigureAwait(false);
        var embedding = EmbeddingVectors.OfPrompt(prompt);
        var embedTime = Stopwatch.GetElapsedTime(started);

        var facts = CacheRequestFacts.For(request, models, ModelId);
        var lookup = await _cache.LookupAsync(embedding, facts, tenant, mode, cancellationToken, pool).ConfigureAwait(false);
        var admission = _cache.BeginAdmission(embedding, facts, tenant, mode, lookup);

        var variation = HitVariation.Decide(facts, lookup, _cache.Options.VariationStrength);
        var run = request with
        {
            StartStep = lookup.IsHit ? lookup.K : 0,
            StartLatent = lookup.IsHit ? lookup.StartLatent : null,
            ResumeNoiseStrength = variation.Strength,
            CaptureSteps = Union(request.CaptureSteps, admission?.CaptureSteps),
        };
        var result = await (runner ?? _runner).RunAsync(run, prompt, Combine(hooks, request.CaptureSteps, admission), cancellationToken).ConfigureAwait(false);

        _cache.Metrics.RecordReusedSteps(result.Denoise.ReusedSteps / Math.Max(1, result.Images.Count));
        var scored = _cache.Adaptive is not null && lookup.Adaptive is not null;
        if ((admission is not null || scored) && _imageEmbeddings is not null)
        {
            _imageEmbeddings.TryEnqueue(image =>
            {
                admission?.SetImageEmbedding(image);
                if (scored && image.Length == embedding.Length)
                {
                    // the image's CLIP score: its embedding against the prompt's, in the space prompt→image retrieval uses
                    _cache.RecordOutcome(lookup, EmbeddingVectors.Cosine(embedding, image));
                }
            }, result.Images.Image(0).ToArray(), result.Images.Height, result.Images.Width, admission is null ? "an adaptive K score" : $"cache entry {admission.Key}");
        }
        return new CachedGenerationResult(result, lookup, lookup.ToReport(), admission?.Key, embedTime, Stopwatch.GetElapsedTime(started))
        {
            Variation = variation,
        };
    }

    /// <summary>Waits until every queued image embedding and store write is done (tests, benchmarks, shutdown).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_imageEmbeddings is not null)
        {
            await _imageEmbeddings.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        await _cache.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes queued image embeddings; the cache itself is the caller's to dispose.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_imageEmbeddings is not null)
        {
            await _imageEmbeddings.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static IReadOnlySet<int>? Union(IReadOnlySet<int>? a, IReadOnlySet<int>? b) =>
        a is null ? b : b is null ? a : a.Concat(b).ToHashSet();

    private static GenerationHooks Combine(GenerationHooks? caller, IReadOnlySet<int>? callerSteps, CacheAdmission? admission) => new()
    {
        StepCompleted = caller?.StepCompleted,
        LatentCaptured = capture =>
        {
            admission?.OnLatentCaptured(capture);
            if (callerSteps?.Contains(capture.Step) == true)
            {
                caller?.LatentCaptured?.Invoke(capture);
            }
        },
    };
}

/// <summary>A generated request and what the cache did for it.</summary>
/// <param name="StoredAs">The cache entry this run is being stored as, or null when it is not stored.</param>
/// <param name="EmbedTime">Prompt encoding for the lookup.</param>
/// <param name="Total">Wall time of the whole request (encode, lookup, run, decode).</param>
public sealed record CachedGenerationResult(GenerationResult Generation, CacheLookup Lookup, CacheReport Cache, CacheEntryKey? StoredAs,
    TimeSpan EmbedTime, TimeSpan Total)
{
    /// <summary>How the request's seed entered a hit's remaining steps (on a miss: strength 0, the request's seed).</summary>
    public HitVariationDecision Variation { get; init; } = new(0f, false, 0);
}
