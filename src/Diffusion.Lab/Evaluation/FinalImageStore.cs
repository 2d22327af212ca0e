

namespace Diffusion.Lab.Evaluation;

/// <summary>A final image kept by an image cache: 8-bit RGB as a stored PNG would hold it, with the prompt embedding it answers for.</summary>
/// <param name="Key">Unique in the store (the exact cache's lookup key).</param>
/// <param name="Settings">The generation settings an image is valid for (model, size, scheduler, steps, guidance).</param>
/// <param name="SourceIndex">The trace request that generated it.</param>
public sealed record StoredImage(string Key, string Settings, int SourceIndex, float[] Embedding, byte[] Pixels)
{
    /// <summary>What it costs against the budget: the 8-bit pixels and the embedding (4 bytes a dimension).</summary>
    public long Bytes => Pixels.Length + 4L * Embedding.Length;
}

/// <summary>Whether <see cref="FinalImageStore.Add"/> kept the image.</summary>
public enum ImageAdmission
{
    Stored,
    AlreadyStored,

    /// <summary>Larger than the whole budget: never stored.</summary>
    TooLarge,
}

/// <summary>
/// The mechanism under both image caches: images within a byte budget, least recently used evicted first
/// (GPTCache's default eviction). Not thread-safe: a replay calls it from one thread.
/// </summary>
public sealed class FinalImageStore
{
    private readonly Dictionary<string, LinkedListNode<StoredImage>> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<StoredImage> _recency = []; // first = most recently used

    public FinalImageStore(long maxBytes)
    {
        if (maxBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "an image cache needs a positive byte budget.");
        }
        MaxBytes = maxBytes;
    }

    public long MaxBytes { get; }

    public long UsedBytes { get; private set; }

    public long Evictions { get; private set; }

    public int Count => _byKey.Count;

    /// <summary>Every stored image, most recently used first (reading does not count as a use).</summary>
    public IEnumerable<StoredImage> Entries => _recency;

    public ImageAdmission Add(StoredImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (_byKey.ContainsKey(image.Key))
        {
            return ImageAdmission.AlreadyStored;
        }
        if (image.Bytes > MaxBytes)
        {
            return ImageAdmission.TooLarge;
        }
        while (UsedBytes + image.Bytes > MaxBytes)
        {
            var victim = _recency.Last!;
            _recency.RemoveLast();
            _byKey.Remove(victim.Value.Key);
            UsedBytes -= victim.Value.Bytes;
            Evictions++;
        }
        _byKey[image.Key] = _recency.AddFirst(image);
        UsedBytes += image.Bytes;
        return ImageAdmission.Stored;
    }

    /// <summary>The image stored under <paramref name="key"/>, marked as used; null when absent.</summary>
    public StoredImage? Get(string key)
    {
        if (!_byKey.TryGetValue(key, out var node))
        {
            return null;
        }
        Touch(node);
        return node.Value;
    }

    /// <summary>Marks a stored image as used (a hit found by scanning <see cref="Entries"/>).</summary>
    public void Touch(StoredImage image)
    {
        if (_byKey.TryGetValue(image.Key, out var node))
        {
            Touch(node);
        }
    }

    private void Touch(LinkedListNode<StoredImage> node)
    {
        _recency.Remove(node);
        _recency.AddFirst(node);
    }
}
