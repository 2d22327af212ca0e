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

    public static CacheReport Miss { get; } = new(false, 0, null, null);
    public static CacheReport MissWithSimilarity(float similarity) => new(false, 0, similarity, null);
}
