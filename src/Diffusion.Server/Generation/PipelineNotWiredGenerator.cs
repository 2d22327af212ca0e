namespace Diffusion.Server.Generation;

/// <summary>
/// Placeholder registered by <c>serve</c> until the real pipeline adapter exists: it describes the
/// expected model so validation and /v1/models work, and answers every generation with 503.
/// </summary>
public sealed class PipelineNotWiredGenerator : IImageGenerator
{
    public const string Message = "model pipeline not wired";

    public ModelDescription Model { get; } = new(
        id: "diffusion-unwired",
        ownedBy: "diffusion",
        created: DateTimeOffset.UnixEpoch,
        sizes: [new ImageSize(64, 64)],
        schedulers: ["ddim", "euler", "dpm++2m"],
        maxSteps: 1000);

    public Task<GeneratedImage> GenerateAsync(
        ImageGenerationSpec spec, IProgress<DenoiseProgress>? progress, CancellationToken cancellationToken) =>
        throw new GeneratorUnavailableException(Message);
}
