// Generates prompts through CachedGenerator with a local store as fast as it can, saving the FAISS index after
// every request, printing progress, until killed. The crash test SIGKILLs it at a random moment and checks that
// a restarted cache agrees with the store and serves no torn entry.
using Diffusion.Cache;
using Diffusion.Cache.Generation;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

if (args.Length != 3 || !int.TryParse(args[2], out var first))
{
    Console.Error.WriteLine("usage: Diffusion.Cache.CrashChild <data directory> <model directory> <first request number>");
    return 2;
}

using var models = DiffusionModels.Load(args[1], new OnnxRuntimeOptions { IntraOpThreads = 1 });
var pipeline = new DiffusionPipeline(models);
var options = new ApproximateCacheOptions
{
    KTables = KTableSet.Uncalibrated with { PromptToPrompt = new([new(0.9999, 25)]) },
    IndexDirectory = Path.Combine(args[0], "index"),
};
var storeOptions = new CacheStoreOptions
{
    DataDirectory = Path.Combine(args[0], "store"),
    MaxLatentElements = pipeline.LatentLength,
    // room for about 60 latents, so eviction runs too
    MaxBytes = new ByteSize(60 * LatentFileFormat.FileLength(pipeline.LatentLength, 3, TenantId.Default)),
    GracePeriod = TimeSpan.Zero,
};
await using var cache = await ApproximateCache.OpenLocalAsync(options, storeOptions);
await using var generator = new CachedGenerator(pipeline, cache);
Console.WriteLine($"ready {cache.Store.Entries().Count}");

string[] subjects = ["cat", "dog", "tree", "house", "boat", "apple", "moon", "car"];
string[] colours = ["red", "blue", "green", "yellow"];
for (var i = first; ; i++)
{
    var prompt = $"a {colours[i % colours.Length]} {subjects[i / colours.Length % subjects.Length]} number {i}";
    var tenant = i % 3 == 0 ? new TenantId("other") : TenantId.Default;
    await generator.GenerateAsync(new GenerationRequest { Prompt = prompt, Seed = (ulong)i, Steps = 10, GuidanceScale = 3f },
        tenant, CacheMode.Auto);
    cache.SaveIndex();
    Console.WriteLine($"generated {i - first + 1}");
}
