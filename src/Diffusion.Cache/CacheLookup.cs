using Diffusion.Cache.Adaptive;
using Diffusion.CacheStore;

namespace Diffusion.Cache;

public enum CacheLookupStatus
{
    /// <summary>A compatible similar entry lent its latent: start at K.</summary>
    Hit,

    /// <summary>Searched; nothing similar and compatible enough (or its latent could not be read).</summary>
    Miss,

    /// <summary>Not searched: cache off or refresh, or a request the cache does not serve (several images).</summary>
    Skipped,
}

/// <summary>
/// The outcome of one lookup. On a hit, <see cref="StartLatent"/> is the latent entering step
/// <see cref="K"/> (of the request's step count) of <see cref="Source"/>'s run, ready for
/// <c>GenerationRequest.StartStep/StartLatent</c>.
/// </summary>
/// <param name="Similarity">Cosine used for K (text–text or text–image by mode): the hit's, or the best one seen on a miss.</param>
/// <param name="PromptSimilarity">Text–text cosine between the request and the source entry's prompt (hits only).</param>
/// <param name="SearchTime">FAISS search and candidate checks.</param>
/// <param name="LoadTime">Reading and verifying the latent.</param>
public sealed record CacheLookup(
    CacheLookupStatus Status,
    RetrievalMode Mode,
    int K,
    double? Similarity,
    double? PromptSimilarity,
    CacheEntryKey? Source,
    float[]? StartLatent,
    TimeSpan SearchTime,
    TimeSpan LoadTime,
    string Detail)
{
    public bool IsHit => Status == CacheLookupStatus.Hit;

    /// <summary>On a hit: the seed of the source entry's run.</summary>
    public long? SourceSeed { get; init; }

    /// <summary>On a hit: the prompt of the source entry's run.</summary>
    public string? SourcePrompt { get; init; }

    /// <summary>On a hit: the source is another tenant's entry, served through the shared pool.</summary>
    public bool FromSharedPool { get; init; }

    /// <summary>On a hit: the prompts whose runs shaped the start latent, the source itself (up to K) first.</summary>
    public IReadOnlyList<LatentAncestor> SourceLineage { get; init; } = [];

    /// <summary>What the image of this lookup's run will teach the adaptive table (null without one, and for repeats the table does not decide).</summary>
    public AdaptiveArm? Adaptive { get; init; }

    public static CacheLookup Skipped(RetrievalMode mode, string detail) =>
        new(CacheLookupStatus.Skipped, mode, 0, null, null, null, null, TimeSpan.Zero, TimeSpan.Zero, detail);

    /// <summary>What the cache did, for the response and the gallery.</summary>
    public CacheReport ToReport() => new(IsHit, K, Similarity, Source?.Id.ToString(), Mode.ToName(), Status.ToString().ToLowerInvariant());
}

/// <summary>What the cache did for one request (the API's <c>cache</c> object): hit, k, similarity, source_id.</summary>
public sealed record CacheReport(bool Hit, int K, double? Similarity, string? SourceId, string Mode, string Outcome);
