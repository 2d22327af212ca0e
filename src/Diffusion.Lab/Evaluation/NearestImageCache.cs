using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Embeddings;
using Diffusion.Lab.Bench;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Evaluation;

/// <summary>
/// The GPTCache-like baseline: the cached prompt nearest to the request by CLIP text cosine, among images with the
/// same settings, answers with its final image when the cosine is at least <paramref name="threshold"/>. The search
/// is exact (a scan: the budget holds at most a few thousand images); LRU within the budget.
/// </summary>
public sealed class NearestImageCache(FinalImageStore store, double threshold) : IFinalImageCache
{
    public double Threshold { get; } = double.IsFinite(threshold) && threshold is > -1 and <= 1
        ? threshold
        : throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the reuse threshold is a cosine in (-1, 1].");

    public long UsedBytes => store.UsedBytes;

    public long Evictions => store.Evictions;

    public FinalImageHit? Find(TraceRequest request, CacheRequestFacts facts, float[] embedding)
    {
        var started = Stopwatch.GetTimestamp();
        var settings = ImageCacheSettings.Of(facts);
        StoredImage? best = null;
        var bestSimilarity = double.NegativeInfinity;
        foreach (var stored in store.Entries)
        {
            if (stored.Settings != settings)
            {
                continue;
            }
            var similarity = EmbeddingVectors.Cosine(embedding, stored.Embedding);
            if (similarity > bestSimilarity)
            {
                best = stored;
                bestSimilarity = similarity;
            }
        }
        if (best is null || bestSimilarity < Threshold)
        {
            return null;
        }
        store.Touch(best);
        return new FinalImageHit(ImagePixels.ToFloats(best.Pixels), best.SourceIndex, bestSimilarity, Stopwatch.GetElapsedTime(started));
    }

    public void Admit(TraceRequest request, CacheRequestFacts facts, float[] embedding, float[] image) =>
        store.Add(new StoredImage(ExactImageCache.KeyOf(facts), ImageCacheSettings.Of(facts), request.Index,
            EmbeddingVectors.Normalize(embedding), ImagePixels.ToBytes(image)));
}
