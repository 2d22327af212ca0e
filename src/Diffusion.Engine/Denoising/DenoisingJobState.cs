using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Engine.Denoising;

/// <summary>
/// What the UNet step runner needs of one diffusion job, carried through the engine as the job's
/// <see cref="Scheduling.DiffusionJobSpec.Conditioning"/>: its own sampler run (created at submit, begin
/// index = its start step), its text conditioning, its guidance scale and the steps whose entering latent
/// goes to the cache. The latent itself lives in the job's pool blocks, not here. Used by the engine loop
/// only once submitted.
/// </summary>
public sealed class DenoisingJobState
{
    public DenoisingJobState(IDiffusionScheduler scheduler, float[] conditional, float[]? unconditional, float guidanceScale,
        IReadOnlySet<int>? captureSteps = null, Action<LatentCapture>? onCapture = null, StepOutputReuse? outputReuse = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(conditional);
        if (scheduler.NumInferenceSteps < 1)
        {
            throw new ArgumentException("the job's scheduler has no timesteps; create it with DiffusionPipeline.CreateScheduler");
        }

        if (!float.IsFinite(guidanceScale) || guidanceScale < 0)
        {
            throw new ArgumentException($"guidance scale must be a finite number >= 0 (got {guidanceScale})");
        }

        if (IsGuided(guidanceScale) && (unconditional is null || unconditional.Length != conditional.Length))
        {
            throw new ArgumentException("classifier-free guidance needs unconditional states of the same length as the conditional ones");
        }

        if (captureSteps is not null && captureSteps.Any(s => s < 0 || s >= scheduler.NumInferenceSteps))
        {
            throw new ArgumentException($"capture steps must be in [0, {scheduler.NumInferenceSteps - 1}]");
        }

        Scheduler = scheduler;
        Conditional = conditional;
        Unconditional = IsGuided(guidanceScale) ? unconditional : null;
        GuidanceScale = guidanceScale;
        CaptureSteps = captureSteps;
        OnCapture = onCapture;
        OutputReuse = outputReuse;
    }

    public IDiffusionScheduler Scheduler { get; }

    /// <summary>The prompt's UNet conditioning, [77·D].</summary>
    public float[] Conditional { get; }

    /// <summary>The negative prompt's conditioning; null when guidance is off.</summary>
    public float[]? Unconditional { get; }

    public float GuidanceScale { get; }

    /// <summary>True when the job runs as two UNet rows (unconditional and conditional), as the pipeline does above scale 1.</summary>
    public bool Guided => Unconditional is not null;

    public IReadOnlySet<int>? CaptureSteps { get; }

    /// <summary>Runs on the engine loop's thread: keep it short (queue the latent, do the work elsewhere).</summary>
    public Action<LatentCapture>? OnCapture { get; }

    /// <summary>Within-request reuse of the UNet's output; null when off (every step calls the UNet).</summary>
    public StepOutputReuse? OutputReuse { get; }

    /// <summary>This job's share of UNet time so far (each call's time split by rows).</summary>
    public TimeSpan UnetTime { get; internal set; }

    /// <summary>Steps this job has run.</summary>
    public int StepsRun { get; internal set; }

    /// <summary>The pipeline's rule: guidance runs only above scale 1.</summary>
    public static bool IsGuided(float guidanceScale) => guidanceScale > 1f;
}
