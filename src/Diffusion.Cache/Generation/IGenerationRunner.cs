using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Generation;

/// <summary>
/// The seam through which a cached request runs its remaining steps: a request whose StartStep /
/// StartLatent / CaptureSteps the cache has filled in, run to a decoded image. Today
/// <see cref="PipelineGenerationRunner"/> runs it on the pipeline; the engine will run it batched with
/// other work (iteration-level) behind the same call.
/// </summary>
public interface IGenerationRunner
{
    Task<GenerationResult> RunAsync(GenerationRequest request, GenerationHooks hooks, CancellationToken cancellationToken);
}

/// <summary>Runs each request alone on <see cref="DiffusionPipeline.GenerateAsync"/>.</summary>
public sealed class PipelineGenerationRunner(DiffusionPipeline pipeline) : IGenerationRunner
{
    private readonly DiffusionPipeline _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));

    public Task<GenerationResult> RunAsync(GenerationRequest request, GenerationHooks hooks, CancellationToken cancellationToken) =>
        _pipeline.GenerateAsync(request, hooks, cancellationToken);
}
