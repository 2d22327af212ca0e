using Diffusion.Cache;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>
/// A cache of final images for a replay (the baselines of <c>eval cache</c>): a hit answers the request with a
/// stored image at once, skipping every denoising step. Implemented by an exact-match cache and a nearest-prompt
/// (GPTCache-like) cache in <c>Evaluation/</c>.
/// </summary>
public interface IFinalImageCache
{
    /// <summary>The stored image to answer <paramref name="request"/> with, or null (a miss).</summary>
    /// <param name="embedding">The request's unit CLIP text embedding.</param>
    FinalImageHit? Find(TraceRequest request, CacheRequestFacts facts, float[] embedding);

    /// <summary>Stores a generated (missed) request's final image ([3,H,W] in [-1,1]); the cache copies what it keeps.</summary>
    void Admit(TraceRequest request, CacheRequestFacts facts, float[] embedding, float[] image);

    /// <summary>Bytes held now.</summary>
    long UsedBytes { get; }

    long Evictions { get; }
}

/// <summary>A stored image answering a request: its pixels (a copy), where it came from, how similar, and how long the search took.</summary>
public sealed record FinalImageHit(float[] Image, int SourceIndex, double Similarity, TimeSpan SearchTime);
