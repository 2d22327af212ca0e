using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Scheduling;

/// <summary>
/// One job's denoising step in an iteration: run step <see cref="Step"/> of <see cref="TotalSteps"/>
/// on the latents held in <see cref="Latents"/> (read and written in place by the runner).
/// </summary>
public sealed record ScheduledDiffusionStep(RequestId Request, int Step, int TotalSteps, OpaqueBuffer Latents, object? Conditioning);

/// <summary>The diffusion work of one iteration: one step for each job, all of one latent shape.</summary>
public sealed record DiffusionBatchPlan(LatentShape Shape, IReadOnlyList<ScheduledDiffusionStep> Steps);

/// <summary>What an <see cref="IDiffusionStepRunner"/> returns; <see cref="MathTime"/> is the model math only.</summary>
public sealed record DiffusionBatchOutput(TimeSpan MathTime);

/// <summary>Runs one denoising step for a batch of jobs (the UNet runner; a recording fake in tests).</summary>
public interface IDiffusionStepRunner
{
    ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken);
}
