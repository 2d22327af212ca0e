namespace Diffusion.Server.Generation;

/// <summary>
/// The result of one generation. <paramref name="Timings"/> maps a stage name (e.g. "text_encoder",
/// "cache_lookup", "denoise", "vae_decode", "png") to seconds spent in it.
/// </summary>
public sealed record GeneratedImage(
    byte[] Png,
    long Seed,
    string? RevisedPrompt,
    CacheReport Cache,
    IReadOnlyDictionary<string, double> Timings)
{
    /// <summary>The stage that runs the denoising steps; the metrics price skipped steps by it.</summary>
    public const string DenoiseStage = "denoise";
}
