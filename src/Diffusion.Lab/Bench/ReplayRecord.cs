using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>What happened to one trace request in one replay.</summary>
/// <param name="Measured">After the warm-up share: counted in the figures.</param>
/// <param name="StartStep">The step it started at (K of a hit, 0 otherwise).</param>
/// <param name="Latency">Join to decoded image, minus the benchmark's own bookkeeping (scoring) meanwhile; zero in accounting replays.</param>
/// <param name="Embed">Prompt encoding for the lookup.</param>
/// <param name="Search">FAISS search and candidate checks.</param>
/// <param name="Load">Reading the cached latent.</param>
/// <param name="Checks">Judge checks of the image against the prompt's facts (empty in accounting replays).</param>
/// <param name="ClipScore">Cosine of the prompt's CLIP text embedding and the image's CLIP image embedding.</param>
/// <param name="JoinedAt">The replay's busy time (elapsed minus bookkeeping) when the request joined.</param>
/// <param name="FinishedAt">The replay's busy time when its image was ready (throughput windows).</param>
/// <param name="ReusedSteps">Steps run on the UNet's last output instead of a call (within-request reuse).</param>
public sealed record ReplayRecord(
    int Index,
    TraceRequestKind Kind,
    bool Measured,
    int Steps,
    int StartStep,
    double? Similarity,
    int? SourceIndex,
    TimeSpan Latency,
    TimeSpan Embed,
    TimeSpan Search,
    TimeSpan Load,
    IReadOnlyDictionary<string, bool> Checks,
    double ClipScore,
    TimeSpan JoinedAt = default,
    TimeSpan FinishedAt = default,
    int ReusedSteps = 0)
{
    public bool Hit => StartStep > 0;

    public TimeSpan LookupOverhead => Embed + Search + Load;
}
