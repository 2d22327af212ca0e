namespace Diffusion.Server.Generation;

/// <summary>
/// What the approximate cache did for one image: on a hit, <paramref name="K"/> denoising steps were
/// skipped by starting from the latent of cache entry <paramref name="SourceId"/>, whose prompt had
/// cosine <paramref name="Similarity"/> with this one. On a miss K is 0 and SourceId null.
/// </summary>
public sealed record CacheReport(bool Hit, int K, float? Similarity, string? SourceId)
{
    public static CacheReport Miss { get; } = new(false, 0, null, null);
    public static CacheReport MissWithSimilarity(float similarity) => new(false, 0, similarity, null);
}
