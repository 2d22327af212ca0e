using System.Text.Json.Serialization;
using Diffusion.CacheStore;
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
    IReadOnlyDictionary<string, double> Timings)
{
    /// <summary>The tenant that made the image; only it can see the image. Images saved before tenants existed have none: the default tenant's.</summary>
    public string? Tenant { get; init; }

    [JsonIgnore]
    public TenantId Owner => TenantId.TryParse(Tenant, out var tenant) ? tenant : TenantId.Default;
}
