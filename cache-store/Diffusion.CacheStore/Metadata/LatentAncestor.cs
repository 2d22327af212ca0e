namespace Diffusion.CacheStore;

/// <summary>
/// A prompt whose run shaped an entry's latents before the entry's own run took over: a run that started from a cached
/// latent at step <see cref="UntilStep"/> stores latents that are the source's up to that step. A reuser must be similar
/// enough to every ancestor for the steps it contributed, not only to the entry's own prompt.
/// </summary>
/// <param name="TextEmbedding">The ancestor prompt's normalized CLIP text embedding.</param>
/// <param name="UntilStep">The step (of the entry's step count) up to which this ancestor's run denoised the latent.</param>
public sealed record LatentAncestor(float[] TextEmbedding, int UntilStep);
