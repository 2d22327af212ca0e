namespace Diffusion.Server.Generation;

/// <summary>
/// Progress of one generation, reported after each denoising step.
/// <paramref name="Step"/> counts the steps run so far (1-based) and <paramref name="TotalSteps"/> the
/// steps this request will run, so a cache hit that skips K of N steps reports totals of N−K.
/// <paramref name="Elapsed"/> is the time since the first step began.
/// </summary>
public readonly record struct DenoiseProgress(int Step, int TotalSteps, TimeSpan Elapsed);
