using System.Text.Json.Serialization;

namespace Diffusion.Server.Generation;

/// <summary>
/// What the approximate cache did for one image: on a hit, <paramref name="K"/> denoising steps were
/// skipped by starting from the latent of cache entry <paramref name="SourceId"/>, whose prompt had
/// cosine <paramref name="Similarity"/> with this one. On a miss K is 0 and SourceId null.
/// </summary>
public sealed record CacheReport(bool Hit, int K, float? Similarity, string? SourceId)
{
    /// <summary>The cache entry this image's own run was stored as (its latents serve later hits); null when not stored.</summary>
    public string? StoredAs { get; init; }

    /// <summary>The gallery image whose run stored <see cref="SourceId"/>, when the gallery still has it.</summary>
    public string? SourceImageId { get; init; }

    /// <summary>On a hit: the seed of the source entry's run.</summary>
    public long? SourceSeed { get; init; }

    /// <summary>On a hit: the request repeats the source's prompt and seed, so the image is the source's picture.</summary>
    public bool ExactRepeat { get; init; }

    /// <summary>
    /// On a hit: how far the remaining steps left the source's path for the request's own seeded noise
    /// (0: the source's path, as for the same seed; 1: the request's noise from step K on).
    /// </summary>
    public double? Variation { get; init; }

    /// <summary>On a hit: the source is another tenant's entry, served through the shared pool.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Shared { get; init; }

    /// <summary>
    /// A defended shared hit: the gallery's sidecar keeps the whole report (for the operator), but clients see only
    /// <see cref="ForClient"/>: that it was a shared hit at K, not whose entry, which prompt or how similar.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool SourceHidden { get; init; }

    /// <summary>What the requesting client may see.</summary>
    public CacheReport ForClient() => SourceHidden ? new CacheReport(true, K, null, null) { Shared = true, StoredAs = StoredAs } : this;

    public static CacheReport Miss { get; } = new(false, 0, null, null);
    public static CacheReport MissWithSimilarity(float similarity) => new(false, 0, similarity, null);
}
