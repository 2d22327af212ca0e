using Diffusion.Cache.Admission;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Tests;

/// <summary>Small synthetic requests, embeddings and latents over a real local store, for tests that need no model.</summary>
internal static class Synthetic
{
    public static readonly int[] Shape = [4, 8, 8];
    public const int Dimension = 16;

    public static int LatentLength => Shape[0] * Shape[1] * Shape[2];

    public static CacheRequestFacts Facts(string prompt = "a prompt", int steps = 50, SchedulerKind scheduler = SchedulerKind.Ddim,
        string model = "test-model@000000000000", int side = 32) => new()
    {
        Prompt = prompt,
        ModelId = model,
        Size = new ImageSize(side, side),
        LatentShape = Shape,
        Scheduler = scheduler,
        Steps = steps,
        Guidance = 7.5f,
        Seed = 1,
    };

    /// <summary>A unit vector with cosine <paramref name="similarity"/> to <see cref="Base"/>, leaning towards axis <paramref name="axis"/>.</summary>
    public static float[] AtSimilarity(double similarity, int axis = 1)
    {
        var v = new float[Dimension];
        v[0] = (float)similarity;
        v[axis] = (float)Math.Sqrt(Math.Max(0, 1 - similarity * similarity));
        return v;
    }

    public static float[] Base => AtSimilarity(1);

    /// <summary>A latent whose values encode the entry number and step, so a test can tell which one came back.</summary>
    public static float[] Latent(int entry, int step)
    {
        var values = new float[LatentLength];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = entry + step / 100f + (i % 7) / 1000f;
        }
        return values;
    }

    public static CacheStoreOptions StoreOptions(string directory, long? maxBytes = null) => new()
    {
        DataDirectory = Path.Combine(directory, "store"),
        MaxLatentElements = LatentLength,
        MaxBytes = new ByteSize(maxBytes ?? 64L << 20),
        GracePeriod = TimeSpan.Zero,
    };

    public static ApproximateCacheOptions CacheOptions(string directory) => new()
    {
        KTables = Diffusion.Cache.Policy.KTableSet.Uncalibrated,
        IndexDirectory = Path.Combine(directory, "index"),
    };

    /// <summary>Stores a full run of <paramref name="facts"/> (every cache step) as entry number <paramref name="entry"/>, and waits for it.</summary>
    public static async Task<CacheAdmission> AdmitAsync(ApproximateCache cache, float[] embedding, CacheRequestFacts facts, TenantId tenant, int entry,
        float[]? imageEmbedding = null)
    {
        var admission = cache.BeginAdmission(embedding, facts, tenant, CacheMode.Auto, null)
            ?? throw new InvalidOperationException("the cache refused to admit a full run");
        foreach (var step in admission.CaptureSteps)
        {
            Assert.Equal(LatentWriteStatus.Queued, admission.OnLatentCaptured(new LatentCapture(step, facts.Steps, 0f, Latent(entry, step))));
        }
        if (imageEmbedding is not null)
        {
            Assert.True(admission.SetImageEmbedding(imageEmbedding));
        }
        await cache.FlushAsync();
        return admission;
    }

    /// <summary>Which entry number and step a latent from <see cref="Latent"/> came from.</summary>
    public static (int Entry, int Step) Decode(float[] latent)
    {
        var entry = (int)Math.Floor(latent[0]);
        return (entry, (int)Math.Round((latent[0] - entry) * 100));
    }
}
