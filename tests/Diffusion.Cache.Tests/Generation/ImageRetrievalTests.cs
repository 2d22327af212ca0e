using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Generation;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Tests.Generation;

/// <summary>
/// On our model family (which has the CLIP image encoder): the final image's embedding is stored when a job
/// ends, and prompt→image retrieval compares a new prompt's text embedding with it. What is asserted holds
/// for any weights (the similarity reported is exactly that cosine), so these run on a plumbing export too.
/// </summary>
public sealed class ImageRetrievalTests(OwnModel own) : IClassFixture<OwnModel>, IDisposable
{
    private readonly TempDirectory _directory = new();

    private static GenerationRequest Request(string prompt, ulong seed) => new() { Prompt = prompt, Seed = seed, Steps = 10, GuidanceScale = 4f };

    [OwnModelsFact]
    public async Task The_final_images_clip_embedding_is_stored_with_the_entry()
    {
        var pipeline = own.Pipeline!;
        await using var cache = await OpenAsync(RetrievalMode.PromptToPrompt, KTableSet.Uncalibrated);
        await using var generator = new CachedGenerator(pipeline, cache);
        var result = await generator.GenerateAsync(Request("a large cat in the center on a blue background", 5), TenantId.Default, CacheMode.Auto);
        await generator.FlushAsync();

        var entry = cache.Store.Find(result.StoredAs!.Value)!;
        Assert.NotNull(entry.ImageEmbedding);
        var images = result.Generation.Images;
        var expected = EmbeddingVectors.Normalize(pipeline.EncodeImages(images.Image(0), 1, images.Height, images.Width));
        Assert.Equal(expected.Length, entry.ImageEmbedding!.Length);
        Assert.True(EmbeddingVectors.Cosine(expected, entry.ImageEmbedding) > 0.9999);
        Assert.Contains(entry.Key.Id.Value, cache.Index.Ids(RetrievalMode.PromptToImage, TenantId.Default));
    }

    [OwnModelsFact]
    public async Task Prompt_to_image_lookups_score_a_new_prompt_against_cached_images()
    {
        var pipeline = own.Pipeline!;
        // any similarity above -1 may skip 5 of 50 steps: the test checks the mechanics, not a calibration
        var table = KTableSet.Uncalibrated with { PromptToImage = new SimilarityKTable([new(-1, 5)]) };
        await using var cache = await OpenAsync(RetrievalMode.PromptToImage, table);
        await using var generator = new CachedGenerator(pipeline, cache);
        var first = await generator.GenerateAsync(Request("a small dog on the left on a red background", 1), TenantId.Default, CacheMode.Auto);
        await generator.FlushAsync();

        const string next = "a small dog on the right on a red background";
        var second = await generator.GenerateAsync(Request(next, 2), TenantId.Default, CacheMode.Auto);
        Assert.True(second.Lookup.IsHit, second.Lookup.Detail);
        Assert.Equal(RetrievalMode.PromptToImage, second.Lookup.Mode);
        Assert.Equal(1, second.Lookup.K);   // 5 of 50 → 1 of 10
        var text = EmbeddingVectors.OfPrompt(pipeline.EncodePrompt(next));
        var image = cache.Store.Find(first.StoredAs!.Value)!.ImageEmbedding!;
        Assert.Equal(EmbeddingVectors.Cosine(text, image), second.Lookup.Similarity!.Value, 4);
        Assert.Equal(EmbeddingVectors.Cosine(text, cache.Store.Find(first.StoredAs!.Value)!.Entry.TextEmbedding), second.Lookup.PromptSimilarity!.Value, 4);
    }

    private Task<ApproximateCache> OpenAsync(RetrievalMode mode, KTableSet tables) => ApproximateCache.OpenLocalAsync(
        Synthetic.CacheOptions(_directory.Path) with { Mode = mode, KTables = tables },
        Synthetic.StoreOptions(_directory.Path) with { MaxLatentElements = own.Pipeline!.LatentLength });

    public void Dispose() => _directory.Dispose();
}
