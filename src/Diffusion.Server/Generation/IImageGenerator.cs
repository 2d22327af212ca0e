namespace Diffusion.Server.Generation;

/// <summary>
/// The port through which the web host asks for images. The composition root registers one
/// implementation (an adapter over the inference pipeline and engine); the host never sees ONNX,
/// the cache or the scheduler directly.
/// </summary>
public interface IImageGenerator
{
    /// <summary>What the generator serves; used to validate requests and to answer /v1/models.</summary>
    ModelDescription Model { get; }

    /// <summary>
    /// Generates one image. Reports one <see cref="DenoiseProgress"/> per denoising step when
    /// <paramref name="progress"/> is given. Must observe <paramref name="cancellationToken"/> between
    /// steps and throw <see cref="OperationCanceledException"/> when it fires.
    /// Throws <see cref="GeneratorUnavailableException"/> when it cannot serve at all (HTTP 503) and
    /// <see cref="GenerationRejectedException"/> when the spec is valid JSON but unusable (HTTP 400).
    /// </summary>
    Task<GeneratedImage> GenerateAsync(
        ImageGenerationSpec spec,
        IProgress<DenoiseProgress>? progress,
        CancellationToken cancellationToken);
}
