using Diffusion.Inference.Scheduling;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// One text-to-image request. A normal run leaves <see cref="StartStep"/> at 0; the approximate cache
/// resumes by giving <see cref="StartStep"/> = K and <see cref="StartLatent"/> = the latent that entered
/// step K of an earlier run with the same scheduler family and step count.
/// </summary>
public sealed record GenerationRequest
{
    public required string Prompt { get; init; }
    public string NegativePrompt { get; init; } = "";
    public ulong Seed { get; init; }
    public int Steps { get; init; } = 50;
    public float GuidanceScale { get; init; } = 7.5f;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>Null means the model's native size; any other size is rejected.</summary>
    public int? Width { get; init; }

    public int? Height { get; init; }

    /// <summary>Images generated with seeds Seed, Seed+1, ...; they share one UNet batch.</summary>
    public int ImageCount { get; init; } = 1;

    /// <summary>Unit Gaussian noise [ImageCount,C,h,w] to use instead of the seeded noise (scaled by the scheduler's init σ).</summary>
    public float[]? InitialNoise { get; init; }

    /// <summary>First step to run (K). 0 for a full run.</summary>
    public int StartStep { get; init; }

    /// <summary>The latent entering <see cref="StartStep"/>, used as is; required when StartStep &gt; 0.</summary>
    public float[]? StartLatent { get; init; }

    /// <summary>
    /// How far a resumed run (StartLatent) leaves the start latent's own path at its first step for this
    /// request's seeded noise: 0 continues it deterministically (any seed gives the same image), 1 replaces
    /// its noise with the seed's. See <see cref="IDiffusionScheduler.SetResumeNoise"/>.
    /// </summary>
    public float ResumeNoiseStrength { get; init; }

    /// <summary>
    /// Within-request reuse of the denoiser's output (<see cref="StepOutputReuse"/>): a step reuses the last computed
    /// output while the model input's relative change since then stays under this. 0 (the default) calls the denoiser
    /// at every step.
    /// </summary>
    public float OutputReuseThreshold { get; init; }

    /// <summary>Steps whose entering latent is handed to <see cref="GenerationHooks.LatentCaptured"/>.</summary>
    public IReadOnlySet<int>? CaptureSteps { get; init; }

    public const int MaxSteps = 1000;
    public const int MaxImages = 64;

    /// <summary>Checks the request against itself and the model; throws <see cref="ArgumentException"/> with a clear message.</summary>
    public void Validate(int nativeWidth, int nativeHeight, int latentLength)
    {
        if (Prompt is null)
        {
            throw new ArgumentException("prompt is required.", nameof(Prompt));
        }
        if (NegativePrompt is null)
        {
            throw new ArgumentException("negative prompt must not be null (use \"\").", nameof(NegativePrompt));
        }
        if (Steps < 1 || Steps > MaxSteps)
        {
            throw new ArgumentException($"steps must be between 1 and {MaxSteps}, got {Steps}.", nameof(Steps));
        }
        if (!float.IsFinite(GuidanceScale) || GuidanceScale < 0 || GuidanceScale > 100)
        {
            throw new ArgumentException($"guidance scale must be between 0 and 100, got {GuidanceScale}.", nameof(GuidanceScale));
        }
        if (ImageCount < 1 || ImageCount > MaxImages)
        {
            throw new ArgumentException($"image count must be between 1 and {MaxImages}, got {ImageCount}.", nameof(ImageCount));
        }
        if ((Width ?? nativeWidth) != nativeWidth || (Height ?? nativeHeight) != nativeHeight)
        {
            throw new ArgumentException(
                $"size {Width ?? nativeWidth}x{Height ?? nativeHeight} is not supported: this model generates {nativeWidth}x{nativeHeight} images.",
                nameof(Width));
        }
        if (StartStep < 0 || StartStep >= Steps)
        {
            throw new ArgumentException($"start step must be in [0, {Steps - 1}], got {StartStep}.", nameof(StartStep));
        }
        if (StartStep > 0 && StartLatent is null)
        {
            throw new ArgumentException("a start step above 0 needs the latent entering that step.", nameof(StartLatent));
        }
        if (!float.IsFinite(ResumeNoiseStrength) || ResumeNoiseStrength < 0f || ResumeNoiseStrength > 1f)
        {
            throw new ArgumentException($"resume noise strength must be in [0, 1], got {ResumeNoiseStrength}.", nameof(ResumeNoiseStrength));
        }
        if (ResumeNoiseStrength > 0f && StartLatent is null)
        {
            throw new ArgumentException("resume noise applies to a resumed run; give the start latent.", nameof(ResumeNoiseStrength));
        }
        if (StartLatent is not null && StartLatent.Length != ImageCount * latentLength)
        {
            throw new ArgumentException($"start latent has {StartLatent.Length} values; expected {ImageCount * latentLength}.", nameof(StartLatent));
        }
        if (InitialNoise is not null && InitialNoise.Length != ImageCount * latentLength)
        {
            throw new ArgumentException($"initial noise has {InitialNoise.Length} values; expected {ImageCount * latentLength}.", nameof(InitialNoise));
        }
        if (!float.IsFinite(OutputReuseThreshold) || OutputReuseThreshold < 0f || OutputReuseThreshold > StepOutputReuse.MaxThreshold)
        {
            throw new ArgumentException($"output reuse threshold must be in [0, {StepOutputReuse.MaxThreshold}], got {OutputReuseThreshold}.",
                nameof(OutputReuseThreshold));
        }
        if (CaptureSteps is not null && CaptureSteps.Any(s => s < 0 || s >= Steps))
        {
            throw new ArgumentException($"capture steps must be in [0, {Steps - 1}].", nameof(CaptureSteps));
        }
    }
}

/// <summary>Progress after a denoising step: <paramref name="Step"/> of <paramref name="TotalSteps"/> done (absolute, so a resumed run starts above 0).</summary>
public readonly record struct StepProgress(int Step, int TotalSteps, TimeSpan Elapsed);

/// <summary>A copy of the latents entering <paramref name="Step"/> ([ImageCount,C,h,w]), for the cache writer.</summary>
public sealed record LatentCapture(int Step, int TotalSteps, float Timestep, float[] Latents);

/// <summary>Callbacks of one run. They run on the denoising thread: keep them short (queue heavy work).</summary>
public sealed record GenerationHooks
{
    public Action<StepProgress>? StepCompleted { get; init; }
    public Action<LatentCapture>? LatentCaptured { get; init; }
}
