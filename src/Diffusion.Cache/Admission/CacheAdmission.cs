using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Latents;
using Diffusion.Cache.Metrics;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Admission;

/// <summary>
/// Stores one run's cache entry: hand it every <see cref="LatentCapture"/> of <see cref="CaptureSteps"/>
/// (the pipeline's LatentCaptured hook), then the final image's CLIP embedding. Everything is queued to
/// the store's background writer and returns at once; a full queue drops the write (counted), never blocks.
/// </summary>
public sealed class CacheAdmission
{
    private readonly LatentStore _store;
    private readonly CacheMetrics _metrics;
    private readonly NearLatentCache _near;
    private readonly int[] _shape;
    private readonly int _latentLength;

    internal CacheAdmission(LatentStore store, CacheMetrics metrics, NearLatentCache near, CacheEntryDescriptor entry, IReadOnlySet<int> captureSteps,
        int[] latentShape)
    {
        _store = store;
        _metrics = metrics;
        _near = near;
        Entry = entry;
        CaptureSteps = captureSteps;
        _shape = latentShape;
        _latentLength = latentShape.Aggregate(1, (a, b) => a * b);
    }

    public CacheEntryDescriptor Entry { get; }

    public CacheEntryKey Key => Entry.Key;

    /// <summary>Steps whose entering latent this run should hand over (the request's CaptureSteps).</summary>
    public IReadOnlySet<int> CaptureSteps { get; }

    /// <summary>Queues the latent of image 0 entering <c>capture.Step</c>; other steps are ignored.</summary>
    public LatentWriteStatus? OnLatentCaptured(LatentCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        if (!CaptureSteps.Contains(capture.Step))
        {
            return null;
        }
        if (capture.Latents.Length < _latentLength)
        {
            throw new ArgumentException($"captured latents hold {capture.Latents.Length} values; one image needs {_latentLength}.", nameof(capture));
        }
        var latent = capture.Latents.AsSpan(0, _latentLength);
        var status = _store.TryEnqueueWrite(Entry, capture.Step, latent, _shape);
        if (status == LatentWriteStatus.Queued)
        {
            _near.Put(new LatentKey(Key, capture.Step), latent);
        }
        _metrics.RecordLatentWrite(status, status == LatentWriteStatus.Queued ? LatentFileFormat.FileLength(_latentLength, _shape.Length, Key.Tenant) : 0);
        return status;
    }

    /// <summary>Queues the final image's CLIP image embedding (normalised here) for prompt→image retrieval.</summary>
    public bool SetImageEmbedding(ReadOnlySpan<float> imageEmbedding)
    {
        var queued = _store.TrySetImageEmbedding(Key, EmbeddingVectors.Normalize(imageEmbedding));
        _metrics.RecordImageEmbedding(queued);
        return queued;
    }
}
