using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache;

/// <summary>
/// Which samplers can continue each other's latents. DDIM and DPM-Solver++ keep the variance-preserving
/// latent x = √ᾱ·x0 + √(1−ᾱ)·ε and share one family; Euler's latent is x0 + σ·ε (larger by √(1+σ²)), so
/// it is a family of its own.
/// </summary>
public static class SchedulerFamilies
{
    public const string VariancePreserving = "vp";
    public const string Euler = "euler";

    public static string Of(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Ddim or SchedulerKind.DpmSolverPlusPlus2M => VariancePreserving,
        SchedulerKind.Euler => Euler,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown scheduler kind"),
    };
}
