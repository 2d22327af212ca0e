using Diffusion.Cache.Generation;
using Diffusion.Engine.Denoising;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Server.Generation;

/// <summary>
/// Runs a cached request's remaining steps as engine jobs, so its UNet calls are batched step by step
/// with every other request's (and share the engine's memory budget with the LLM). <paramref name="options"/> carry the
/// request's service level (class and due time) to the engine's scheduling policy.
/// </summary>
public sealed class EngineGenerationRunner(EngineImageGenerator images, RequestOptions? options = null) : IGenerationRunner
{
    private readonly EngineImageGenerator _images = images ?? throw new ArgumentNullException(nameof(images));

    public Task<GenerationResult> RunAsync(GenerationRequest request, PromptEmbedding prompt, GenerationHooks hooks, CancellationToken cancellationToken) =>
        _images.GenerateAsync(request, prompt, hooks, options, cancellationToken);
}
