namespace Diffusion.Server.Generation;

/// <summary>One image to generate, already validated by the web host.</summary>
/// <param name="Scheduler">One of <see cref="ModelDescription.Schedulers"/>.</param>
/// <param name="User">The caller's <c>user</c> field, used as tenant; null when not given.</param>
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
    string? User);
