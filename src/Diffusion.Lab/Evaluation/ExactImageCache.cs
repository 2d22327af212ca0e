using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Lab.Bench;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Evaluation;

/// <summary>
/// The exact-match baseline: the same prompt text (ordinal, as sent) with the same settings
/// (<see cref="ImageCacheSettings"/>) returns the stored final image; anything else is a miss. LRU within the budget.
/// </summary>
public sealed class ExactImageCache(FinalImageStore store) : IFinalImageCache
{
    public long UsedBytes => store.UsedBytes;

    public long Evictions => store.Evictions;

    public static string KeyOf(CacheRequestFacts facts) => ImageCacheSettings.Of(facts) + "\n" + facts.Prompt;

    public FinalImageHit? Find(TraceRequest request, CacheRequestFacts facts, float[] embedding)
    {
        var started = Stopwatch.GetTimestamp();
        return store.Get(KeyOf(facts)) is { } stored
            ? new FinalImageHit(ImagePixels.ToFloats(stored.Pixels), stored.SourceIndex, 1.0, Stopwatch.GetElapsedTime(started))
            : null;
    }

    public void Admit(TraceRequest request, CacheRequestFacts facts, float[] embedding, float[] image) =>
        store.Add(new StoredImage(KeyOf(facts), ImageCacheSettings.Of(facts), request.Index, [], ImagePixels.ToBytes(image)));
}
