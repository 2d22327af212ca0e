namespace Diffusion.CacheStore;

/// <summary>
/// A prompt whose run shaped an entry's latents before the entry's own run took over: a run that started from a cached
/// latent at step <see cref="UntilStep"/> stores latents that are the source's up to that step. A reuser must be similar
/// enough to every ancestor for the steps it contributed, not only to the entry's own prompt.
/// </summary>
/// <param name="TextEmbedding">The ancestor prompt's normalized CLIP text embedding.</param>
/// <param name="UntilStep">The step (of the entry's step count) up to which this ancestor's run denoised the latent.</param>
/// <param name="ImageEmbedding">
/// The normalized CLIP image embedding of the ancestor's own finished image, where it was known when its latent was
/// borrowed: a cache that retrieves by image prices the ancestor's steps by the requester's similarity to it, as it
/// priced the ancestor itself.
/// </param>
public sealed record LatentAncestor(float[] TextEmbedding, int UntilStep, float[]? ImageEmbedding = null);
