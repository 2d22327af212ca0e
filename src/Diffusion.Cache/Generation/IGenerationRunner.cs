using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Generation;

/// <summary>
/// The seam through which a cached request runs its remaining steps: a request whose StartStep /
/// StartLatent / CaptureSteps the cache has filled in, run to a decoded image.
/// <see cref="PipelineGenerationRunner"/> runs it alone on the pipeline; the server's engine runner
/// batches it with other work (iteration-level) behind the same call.
/// </summary>
public interface IGenerationRunner
{
    /// <param name="prompt">The request's prompt as the cache encoded it for its lookup (not encoded again).</param>
    Task<GenerationResult> RunAsync(GenerationRequest request, PromptEmbedding prompt, GenerationHooks hooks, CancellationToken cancellationToken);
}

/// <summary>Runs each request alone on the pipeline, on the thread pool.</summary>
public sealed class PipelineGenerationRunner(DiffusionPipeline pipeline) : IGenerationRunner
{
    private readonly DiffusionPipeline _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));

    public Task<GenerationResult> RunAsync(GenerationRequest request, PromptEmbedding prompt, GenerationHooks hooks, CancellationToken cancellationToken) =>
        Task.Run(() => _pipeline.Generate(request, prompt, hooks, cancellationToken), cancellationToken);
}
