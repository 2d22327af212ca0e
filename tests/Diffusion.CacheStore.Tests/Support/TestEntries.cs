using Diffusion.CacheStore;

namespace Diffusion.CacheStore.Tests;

/// <summary>Descriptors and latents for tests.</summary>
internal static class TestEntries
{
    public static readonly int[] SmallShape = [4, 4, 4];

    public static CacheEntryDescriptor Descriptor(TenantId? tenant = null, CacheEntryId? id = null, string prompt = "a red fox in snow", int steps = 50)
    {
        var entryId = id ?? CacheEntryId.New();
        return new CacheEntryDescriptor
        {
            Key = new CacheEntryKey(tenant ?? TenantId.Default, entryId),
            Prompt = prompt,
            TextEmbedding = Embedding(entryId.Value, 8),
            Seed = 42,
            ModelId = "tiny-sd-v1",
            Size = new ImageSize(256, 256),
            SchedulerFamily = "euler",
            Steps = steps,
            Guidance = 7.5f,
        };
    }

    public static float[] Embedding(long seed, int length)
    {
        var random = new Random((int)(seed % int.MaxValue));
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return values;
    }

    public static float[] Latent(int seed, int length = 64, float scale = 3f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /// <summary>Bytes one latent of <paramref name="elements"/> values takes for the default tenant with a rank-3 shape.</summary>
    public static long FileBytes(int elements = 64, TenantId? tenant = null) =>
        LatentFileFormat.FileLength(elements, 3, tenant ?? TenantId.Default);
}
