using Diffusion.Server.Generation;

namespace Diffusion.Server.Api.Contracts;

/// <summary>The answer of <c>GET /v1/gallery</c>: newest first.</summary>
public sealed record GalleryList(string Object, IReadOnlyList<GalleryItem> Data, int Total, int Offset, int Limit, bool HasMore);

/// <summary>A stored image with the settings that made it; <c>url</c> serves the PNG.</summary>
public sealed record GalleryItem(
    string Id,
    string Url,
    long Created,
    string Model,
    string Prompt,
    string? NegativePrompt,
    string? RevisedPrompt,
    long Seed,
    string Size,
    int Steps,
    double GuidanceScale,
    string Scheduler,
    CacheMode CacheMode,
    bool ExpandPrompt,
    string? User,
    CacheReport Cache,
    IReadOnlyDictionary<string, double> Timings);
