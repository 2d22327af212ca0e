namespace Diffusion.Cache.Adaptive;

/// <summary>How one lookup used the adaptive table: the bucket's K, the next larger K tried, or a run from noise kept as a control.</summary>
public enum AdaptiveDraw
{
    Exploit,
    Explore,
    Control,
}

/// <summary>
/// What a lookup's outcome will teach the adaptive table once the image is scored: the similarity that picks the
/// bucket, the K (of the reference run) the run skipped (0 for a control run from noise), and how it was drawn.
/// Misses teach nothing: a request that found no usable entry (none compatible, a chain refused, nothing near) is
/// not a sample of the would-be hits a bucket decides for, and the first version, which counted them, measured hits
/// against the lower CLIP scores of new and unpopular prompts and saw quality drops where there were none.
/// </summary>
public sealed record AdaptiveArm(double Similarity, int ReferenceK, AdaptiveDraw Draw);
