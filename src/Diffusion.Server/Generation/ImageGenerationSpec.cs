using Diffusion.CacheStore;
using Diffusion.Server.Identity;

namespace Diffusion.Server.Generation;

/// <summary>One image to generate, already validated by the web host.</summary>
/// <param name="Scheduler">One of <see cref="ModelDescription.Schedulers"/>.</param>
/// <param name="User">The body's <c>user</c> field: a label inside the tenant (the gallery shows it); never the tenant.</param>
public sealed record ImageGenerationSpec(
    string Prompt,
    string? NegativePrompt,
    int Width,
    int Height,
    int Steps,
    double GuidanceScale,
    long Seed,
    string Scheduler,
    CacheMode Cache,
    bool ExpandPrompt,
    string? User)
{
    /// <summary>The tenant the request's API key acts for: its cache partition, images and jobs.</summary>
    public TenantId Tenant { get; init; }

    /// <summary>Whether the tenant's lookups may also start from the shared pool.</summary>
    public CacheScope CacheScope { get; init; }
}
