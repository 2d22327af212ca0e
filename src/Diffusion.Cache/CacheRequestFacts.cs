using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache;

/// <summary>
/// What the cache must know about a request to decide reuse and to describe a stored entry: only an
/// entry of the same model, image size, scheduler family and step count can lend its latent.
/// </summary>
public sealed record CacheRequestFacts
{
    public required string Prompt { get; init; }
    public required string ModelId { get; init; }
    public required ImageSize Size { get; init; }

    /// <summary>One image's latent shape [C,h,w] (what is stored and what a hit must return).</summary>
    public required int[] LatentShape { get; init; }

    public required SchedulerKind Scheduler { get; init; }
    public required int Steps { get; init; }
    public float Guidance { get; init; } = 7.5f;
    public ulong Seed { get; init; }

    /// <summary>Images in the request; the cache serves single-image requests (a hit gives one latent) and stores image 0 of any.</summary>
    public int ImageCount { get; init; } = 1;

    public string SchedulerFamily => SchedulerFamilies.Of(Scheduler);

    public int LatentLength => LatentShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The facts of a pipeline request on a loaded model (size and shape from the model when the request leaves them open).</summary>
    public static CacheRequestFacts For(GenerationRequest request, DiffusionModels models, string modelId) => new()
    {
        Prompt = request.Prompt,
        ModelId = modelId,
        Size = new ImageSize(request.Width ?? models.ImageWidth, request.Height ?? models.ImageHeight),
        LatentShape = [models.Unet.Channels, models.Unet.LatentHeight, models.Unet.LatentWidth],
        Scheduler = request.Scheduler,
        Steps = request.Steps,
        Guidance = request.GuidanceScale,
        Seed = request.Seed,
        ImageCount = request.ImageCount,
    };

    /// <summary>Throws <see cref="ArgumentException"/> for facts the cache cannot use.</summary>
    public void Validate()
    {
        if (Prompt is null)
        {
            throw new ArgumentException("the prompt is required.", nameof(Prompt));
        }
        if (string.IsNullOrWhiteSpace(ModelId))
        {
            throw new ArgumentException("the model id is required.", nameof(ModelId));
        }
        if (LatentShape is null || LatentShape.Length == 0 || LatentShape.Any(d => d <= 0))
        {
            throw new ArgumentException("the latent shape needs positive dimensions.", nameof(LatentShape));
        }
        if (Steps < 1)
        {
            throw new ArgumentException($"steps must be positive, got {Steps}.", nameof(Steps));
        }
        if (ImageCount < 1)
        {
            throw new ArgumentException($"image count must be positive, got {ImageCount}.", nameof(ImageCount));
        }
        if (Size.Width <= 0 || Size.Height <= 0)
        {
            throw new ArgumentException($"image size {Size} must be positive.", nameof(Size));
        }
    }

    /// <summary>Whether a stored entry may lend its latents to this request.</summary>
    public bool IsCompatibleWith(CacheEntryDescriptor entry) =>
        entry.ModelId == ModelId
        && entry.Size == Size
        && entry.SchedulerFamily == SchedulerFamily
        && entry.Steps == Steps;
}
