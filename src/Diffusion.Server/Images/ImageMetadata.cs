using Diffusion.Server.Generation;

namespace Diffusion.Server.Images;

/// <summary>What the gallery remembers about an image besides its pixels.</summary>
public sealed record ImageMetadata(
    string Model,
    string Prompt,
    string? NegativePrompt,
    string? RevisedPrompt,
    long Seed,
    int Width,
    int Height,
    int Steps,
    double GuidanceScale,
    string Scheduler,
    CacheMode CacheMode,
    bool ExpandPrompt,
    string? User,
    CacheReport Cache,
    IReadOnlyDictionary<string, double> Timings);
