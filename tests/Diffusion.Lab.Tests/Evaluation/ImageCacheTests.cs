using Diffusion.Lab.Evaluation;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Evaluation;

/// <summary>The exact-match and nearest-prompt (GPTCache-like) image caches' hit logic on synthetic embeddings, and their LRU budget.</summary>
public sealed class ImageCacheTests
{
    private const int ImageLength = 3 * 4 * 4;

    private static TraceRequest Request(int index, string prompt) => new(index, TimeSpan.FromMinutes(index), "user-1", prompt, 1000 + index, TraceRequestKind.New);

    private static float[] Image(int index) => Enumerable.Range(0, ImageLength).Select(i => (index % 10) / 10f - 0.5f + i / 1000f).ToArray();

    private static StoredImage Stored(string key, int bytes) => new(key, "s", 0, [], new byte[bytes]);

    [Fact]
    public void Exact_hits_only_the_same_prompt_with_the_same_settings_whatever_the_seed()
    {
        var cache = new ExactImageCache(new FinalImageStore(1 << 20));
        var facts = Synthetic.Facts("a red cat", steps: 20);
        cache.Admit(Request(0, "a red cat"), facts, Synthetic.Base, Image(3));

        var hit = cache.Find(Request(5, "a red cat"), facts with { Seed = 99 }, Synthetic.Base);
        Assert.NotNull(hit);
        Assert.Equal(0, hit.SourceIndex);
        Assert.Equal(1.0, hit.Similarity);
        Assert.Equal(ImageLength, hit.Image.Length);
        Assert.All(hit.Image.Zip(Image(3)), p => Assert.Equal(p.Second, p.First, 0.005)); // 8-bit storage

        Assert.Null(cache.Find(Request(6, "a red cat "), facts with { Prompt = "a red cat " }, Synthetic.Base));    // not the same text
        Assert.Null(cache.Find(Request(7, "a red dog"), facts with { Prompt = "a red dog" }, Synthetic.Base));
        Assert.Null(cache.Find(Request(8, "a red cat"), facts with { Steps = 50 }, Synthetic.Base));
        Assert.Null(cache.Find(Request(9, "a red cat"), facts with { Guidance = 2f }, Synthetic.Base));
        Assert.Null(cache.Find(Request(10, "a red cat"), facts with { ModelId = "other@1" }, Synthetic.Base));
    }

    [Fact]
    public void Gptcache_returns_the_nearest_prompt_at_or_above_its_threshold()
    {
        var cache = new NearestImageCache(new FinalImageStore(1 << 20), threshold: 0.95);
        var facts = Synthetic.Facts(steps: 20);
        cache.Admit(Request(0, "a"), facts with { Prompt = "a" }, Synthetic.AtSimilarity(0.96, axis: 1), Image(0));
        cache.Admit(Request(1, "b"), facts with { Prompt = "b" }, Synthetic.AtSimilarity(0.99, axis: 2), Image(1));
        cache.Admit(Request(2, "c"), facts with { Prompt = "c" }, Synthetic.AtSimilarity(0.5, axis: 3), Image(2));

        var hit = cache.Find(Request(3, "q"), facts with { Prompt = "q" }, Synthetic.Base);
        Assert.NotNull(hit);
        Assert.Equal(1, hit.SourceIndex);                 // the nearest, not the first above the threshold
        Assert.Equal(0.99, hit.Similarity, 4);
        Assert.All(hit.Image.Zip(Image(1)), p => Assert.Equal(p.Second, p.First, 0.005));

        // orthogonal to every cached prompt: a miss
        Assert.Null(cache.Find(Request(4, "r"), facts with { Prompt = "r" }, Synthetic.AtSimilarity(0.0, axis: 5)));
        // other settings never match, however similar the prompt
        Assert.Null(cache.Find(Request(5, "q"), facts with { Prompt = "q", Steps = 50 }, Synthetic.Base));
    }

    [Fact]
    public void Gptcache_threshold_is_inclusive_and_validated()
    {
        var cache = new NearestImageCache(new FinalImageStore(1 << 20), threshold: 0.9);
        var facts = Synthetic.Facts(steps: 20);
        cache.Admit(Request(0, "a"), facts with { Prompt = "a" }, Synthetic.Base, Image(0));
        Assert.NotNull(cache.Find(Request(1, "b"), facts with { Prompt = "b" }, Synthetic.AtSimilarity(0.9001)));
        Assert.Null(cache.Find(Request(2, "c"), facts with { Prompt = "c" }, Synthetic.AtSimilarity(0.89)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearestImageCache(new FinalImageStore(1), 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NearestImageCache(new FinalImageStore(1), double.NaN));
    }

    [Fact]
    public void The_store_evicts_the_least_recently_used_image_to_stay_within_its_budget()
    {
        var store = new FinalImageStore(300);
        Assert.Equal(ImageAdmission.Stored, store.Add(Stored("a", 100)));
        Assert.Equal(ImageAdmission.Stored, store.Add(Stored("b", 100)));
        Assert.Equal(ImageAdmission.Stored, store.Add(Stored("c", 100)));
        Assert.NotNull(store.Get("a"));                                   // a is now the most recent; b the least
        Assert.Equal(ImageAdmission.Stored, store.Add(Stored("d", 100)));
        Assert.Null(store.Get("b"));
        Assert.NotNull(store.Get("a"));
        Assert.Equal(300, store.UsedBytes);
        Assert.Equal(1, store.Evictions);
        Assert.Equal(ImageAdmission.AlreadyStored, store.Add(Stored("a", 100)));
        Assert.Equal(ImageAdmission.TooLarge, store.Add(Stored("huge", 301)));
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public void Image_costs_count_pixels_as_bytes_and_the_embedding_as_floats()
    {
        var cache = new NearestImageCache(new FinalImageStore(1 << 20), 0.95);
        cache.Admit(Request(0, "a"), Synthetic.Facts("a"), Synthetic.Base, Image(0));
        Assert.Equal(ImageLength + 4 * Synthetic.Dimension, cache.UsedBytes);
        var exact = new ExactImageCache(new FinalImageStore(1 << 20));
        exact.Admit(Request(0, "a"), Synthetic.Facts("a"), Synthetic.Base, Image(0));
        Assert.Equal(ImageLength, exact.UsedBytes);
    }
}
