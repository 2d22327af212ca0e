namespace Diffusion.CacheStore;

/// <summary>
/// What is known about a prompt entry when its job starts: everything the cache needs to decide whether
/// a later request may reuse its latents. Passed with each latent write; the entry is created with its
/// first stored latent.
/// </summary>
public sealed record CacheEntryDescriptor
{
    public required CacheEntryKey Key { get; init; }
    public required string Prompt { get; init; }
    /// <summary>The normalized CLIP text embedding the FAISS index holds for this entry.</summary>
    public required float[] TextEmbedding { get; init; }
    public required long Seed { get; init; }
    public required string ModelId { get; init; }
    public required ImageSize Size { get; init; }
    /// <summary>Scheduler family (e.g. "euler", "ddim"): latents are only reused within one family.</summary>
    public required string SchedulerFamily { get; init; }
    public required int Steps { get; init; }
    public required float Guidance { get; init; }

    /// <summary>The prompts whose runs shaped this entry's latents before its own (empty for a run from noise); nearest first.</summary>
    public IReadOnlyList<LatentAncestor> Lineage { get; init; } = [];

    /// <summary>More ancestors than any chain of cache points can make: the K of each hop is above the last.</summary>
    public const int MaxLineage = 64;

    /// <summary>Throws a clear <see cref="ArgumentException"/> for a descriptor the store cannot keep.</summary>
    public void Validate()
    {
        if (Prompt is null)
        {
            throw new ArgumentException("A cache entry needs its prompt.", nameof(Prompt));
        }
        if (TextEmbedding is null || TextEmbedding.Length == 0)
        {
            throw new ArgumentException($"Cache entry {Key} needs a non-empty text embedding.", nameof(TextEmbedding));
        }
        if (!TextEmbedding.All(float.IsFinite))
        {
            throw new ArgumentException($"Cache entry {Key} has a text embedding with NaN or infinite values.", nameof(TextEmbedding));
        }
        if (string.IsNullOrWhiteSpace(ModelId))
        {
            throw new ArgumentException($"Cache entry {Key} needs a model id.", nameof(ModelId));
        }
        if (string.IsNullOrWhiteSpace(SchedulerFamily))
        {
            throw new ArgumentException($"Cache entry {Key} needs a scheduler family.", nameof(SchedulerFamily));
        }
        if (Size.Width <= 0 || Size.Height <= 0)
        {
            throw new ArgumentException($"Cache entry {Key} has image size {Size}; both sides must be positive.", nameof(Size));
        }
        if (Steps <= 1)
        {
            throw new ArgumentException($"Cache entry {Key} has {Steps} steps; a cached job has at least 2.", nameof(Steps));
        }
        if (!float.IsFinite(Guidance))
        {
            throw new ArgumentException($"Cache entry {Key} has a guidance scale that is not a finite number.", nameof(Guidance));
        }
        if (Lineage is null || Lineage.Count > MaxLineage)
        {
            throw new ArgumentException($"Cache entry {Key} needs a lineage of at most {MaxLineage} ancestors.", nameof(Lineage));
        }
        foreach (var ancestor in Lineage)
        {
            if (ancestor.TextEmbedding is not { Length: > 0 } embedding || !embedding.All(float.IsFinite) || ancestor.UntilStep < 1 || ancestor.UntilStep >= Steps
                || ancestor.ImageEmbedding is { } image && (image.Length == 0 || !image.All(float.IsFinite)))
            {
                throw new ArgumentException($"Cache entry {Key} has an ancestor without finite embeddings or with a step outside 1..{Steps - 1}.", nameof(Lineage));
            }
        }
    }
}
