using Diffusion.CacheStore;
using Diffusion.Engine.Scheduling;
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

    /// <summary>The body's <c>slo</c>: interactive (default) or batch.</summary>
    public SloClass Slo { get; init; } = SloClass.Interactive;

    /// <summary>The body's <c>deadline_ms</c>, from arrival; null for interactive work due at twice its standalone time.</summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>
    /// The body's <c>output_reuse</c>: within-request reuse of the denoiser's last output while the model input's
    /// accumulated relative change stays under it (TeaCache's rule); 0 calls the denoiser at every step.
    /// </summary>
    public float OutputReuse { get; init; }

    /// <summary>When the request reached the service (set as it leaves the queue); null means when generation starts.</summary>
    public DateTimeOffset? ArrivedAt { get; init; }
}
