using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Denoising;

/// <summary>
/// One image being denoised inside an <see cref="IterationBatcher"/>: its own sampler run (begin index =
/// the step it starts at), its latent (updated in place), its conditioning and guidance, and the steps
/// whose entering latent it hands to <see cref="OnCapture"/>.
/// </summary>
public sealed class DenoiseJob
{
    public DenoiseJob(IDiffusionScheduler run, float[] latent, float[] condHidden, float[]? uncondHidden, float guidanceScale,
        IReadOnlySet<int>? captureSteps = null, Action<LatentCapture>? onCapture = null, object? tag = null)
    {
        Run = run ?? throw new ArgumentNullException(nameof(run));
        Latent = latent ?? throw new ArgumentNullException(nameof(latent));
        CondHidden = condHidden ?? throw new ArgumentNullException(nameof(condHidden));
        if (guidanceScale > 1f && uncondHidden is null)
        {
            throw new ArgumentException("guidance above 1 needs the unconditional (negative prompt) states.", nameof(uncondHidden));
        }
        UncondHidden = uncondHidden;
        GuidanceScale = guidanceScale;
        CaptureSteps = captureSteps;
        OnCapture = onCapture;
        Tag = tag;
        Step = run.BeginIndex;
    }

    public IDiffusionScheduler Run { get; }

    /// <summary>The latent entering <see cref="Step"/>; the final latent once <see cref="IsDone"/>.</summary>
    public float[] Latent { get; }

    public float[] CondHidden { get; }

    public float[]? UncondHidden { get; }

    public float GuidanceScale { get; }

    public IReadOnlySet<int>? CaptureSteps { get; }

    public Action<LatentCapture>? OnCapture { get; }

    /// <summary>Whatever the caller wants to find the job by.</summary>
    public object? Tag { get; }

    /// <summary>The next step to run.</summary>
    public int Step { get; internal set; }

    public int StepsRun => Step - Run.BeginIndex;

    public bool IsDone => Step >= Run.NumInferenceSteps;

    /// <summary>UNet rows per step: two with classifier-free guidance.</summary>
    public int Rows => GuidanceScale > 1f ? 2 : 1;
}
