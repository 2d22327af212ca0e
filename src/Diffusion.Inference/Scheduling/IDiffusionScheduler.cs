namespace Diffusion.Inference.Scheduling;

/// <summary>
/// One sampler run, following diffusers' protocol. An instance holds the state of one job, so many
/// jobs can step concurrently with their own instances; the math is element-wise over whatever
/// latent span the caller passes (one sample, or a request's samples that share the run), and the
/// UNet call stays outside. Spans may alias (in-place stepping is allowed).
/// </summary>
public interface IDiffusionScheduler
{
    SchedulerKind Kind { get; }

    NoiseSchedule Schedule { get; }

    /// <summary>Steps of the current schedule (0 before <see cref="SetTimesteps"/>).</summary>
    int NumInferenceSteps { get; }

    /// <summary>Model timesteps, decreasing; index i is the timestep of step i.</summary>
    IReadOnlyList<float> Timesteps { get; }

    /// <summary>Multiply unit Gaussian noise by this to get the first latent of a full run.</summary>
    float InitNoiseSigma { get; }

    /// <summary>First step this run executes (K when resuming a cached latent at step K).</summary>
    int BeginIndex { get; }

    void SetTimesteps(int numInferenceSteps);

    /// <summary>Start the run at step <paramref name="beginIndex"/> from a latent that has the noise level of that step.</summary>
    void SetBeginIndex(int beginIndex);

    /// <summary>
    /// Makes the run's first step (<see cref="BeginIndex"/>) leave the deterministic path: it predicts the
    /// clean latent as usual but reaches the next step's noise level with
    /// sqrt(1−<paramref name="strength"/>²)·(predicted noise) + <paramref name="strength"/>·<paramref name="noise"/>,
    /// so a resumed run depends on fresh noise (a request's own seed) while keeping what the start latent
    /// had already settled. Strength 0 is the plain step; a one-step run ignores it.
    /// </summary>
    void SetResumeNoise(float[] noise, float strength);

    /// <summary>The UNet input for step <paramref name="stepIndex"/> (identity except for Euler's σ scaling).</summary>
    void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination);

    /// <summary>One denoising step: the latent entering step <paramref name="stepIndex"/> and the model output → the latent entering the next step.</summary>
    void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample);

    /// <summary>Noise a clean latent to the level of <paramref name="timestep"/> in this sampler's latent convention.</summary>
    void AddNoise(ReadOnlySpan<float> original, ReadOnlySpan<float> noise, float timestep, Span<float> destination);
}
