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
    /// <summary>Steps that reused the denoiser's previous output instead of calling it (the request's <c>output_reuse</c>).</summary>
    public int ReusedSteps { get; init; }

    /// <summary>The stage that runs the denoising steps; the metrics price skipped steps by it.</summary>
    public const string DenoiseStage = "denoise";

    /// <summary>The part of the denoise stage spent waiting for the engine's first step (its queue, under the scheduling policy).</summary>
    public const string EngineWaitStage = "engine_wait";

    /// <summary>What the expansion guard did with an expanded prompt; null without expansion or without a vocabulary.</summary>
    public ExpansionReport? Expansion { get; init; }

    /// <summary>When the image was due (its service level); null for batch work.</summary>
    public DateTimeOffset? Due { get; init; }

    /// <summary>Words of the prompt the model does not know (it ignores them); null when there are none.</summary>
    public IReadOnlyList<string>? Warnings { get; init; }
}

/// <summary>
/// An expansion as served: <paramref name="FilledIn"/> names what it added that the request left open
/// ("background", "texture", "size", "position"); <paramref name="Corrected"/> says the LLM's text dropped,
/// swapped or invented something the request named, so the request's own facts were drawn instead.
/// </summary>
public sealed record ExpansionReport(IReadOnlyList<string> FilledIn, bool Corrected);
