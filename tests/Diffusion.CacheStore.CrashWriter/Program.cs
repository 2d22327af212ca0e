// Writes cache entries through a real local LatentStore (file latents + SQLite metadata) as fast as it
// can, printing progress, until killed. The crash test kills it with SIGKILL at a random moment and then
// checks that the directory recovers cleanly.
using Diffusion.CacheStore;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Diffusion.CacheStore.CrashWriter <data directory>");
    return 2;
}

int[] shape = [4, 32, 32];
int elements = shape[0] * shape[1] * shape[2];
var options = new CacheStoreOptions
{
    DataDirectory = args[0],
    MaxLatentElements = elements,
    // Room for about 40 latents, so eviction runs all the time too.
    MaxBytes = new ByteSize(40 * LatentFileFormat.FileLength(elements, shape.Length, TenantId.Default)),
    GracePeriod = TimeSpan.Zero,
};
await using var store = await LatentStore.OpenLocalAsync(options);
Console.WriteLine($"ready {store.Stats.Latents}");

var random = new Random();
var latent = new float[elements];
int[] cacheSteps = [5, 10, 15, 20, 25];
CacheEntryKey? previous = null;
for (int i = 1; ; i++)
{
    for (int j = 0; j < latent.Length; j++)
    {
        latent[j] = (float)(random.NextDouble() * 6 - 3);
    }
    var id = CacheEntryId.New();
    var entry = new CacheEntryDescriptor
    {
        Key = new CacheEntryKey(i % 4 == 0 ? new TenantId("other") : TenantId.Default, id),
        Prompt = $"crash test prompt {i}",
        TextEmbedding = [.. Enumerable.Range(0, 16).Select(_ => (float)random.NextDouble())],
        Seed = i,
        ModelId = "crash-model",
        Size = new ImageSize(256, 256),
        SchedulerFamily = "euler",
        Steps = 50,
        Guidance = 7f,
    };
    foreach (int k in cacheSteps)
    {
        store.TryEnqueueWrite(entry, k, latent, shape);
    }
    if (previous is { } hit)
    {
        store.RecordHit(hit, 5);
        store.TrySetImageEmbedding(hit, [1f, 2f, 3f]);
    }
    previous = entry.Key;
    await store.FlushAsync();
    Console.WriteLine($"entries {i}");
}
