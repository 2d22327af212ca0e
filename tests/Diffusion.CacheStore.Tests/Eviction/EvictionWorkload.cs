using Diffusion.CacheStore;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.CacheStore.Tests.Eviction;

/// <summary>What one policy achieved on the synthetic workload.</summary>
internal sealed record WorkloadResult(string Policy, int Requests, int Hits, long StepsSaved, long Evictions)
{
    public double HitRate => (double)Hits / Requests;

    public override string ToString() =>
        $"{Policy,-6} hits {Hits,5}/{Requests} ({HitRate:P1})  steps saved {StepsSaved,6}  evictions {Evictions,5}";
}

/// <summary>
/// A synthetic NIRVANA-style trace replayed through a real <see cref="LatentStore"/>: prompts are picked
/// with Zipf popularity; each request's similarity allows skipping up to K steps (K drawn per request);
/// a request uses the largest stored K' ≤ K of its prompt (a hit saves K' steps and counts a hit on
/// that latent); a request with no usable latent runs from scratch and stores its latents at every K.
/// The same seed gives every policy the same trace.
/// </summary>
internal static class EvictionWorkload
{
    private static readonly int[] CacheSteps = [5, 10, 15, 20, 25];
    private static readonly double[] KWeights = [0.15, 0.2, 0.25, 0.2, 0.2];

    public static async Task<WorkloadResult> RunAsync(
        TempDirectory directory, IEvictionPolicy policy, int seed, int prompts, int requests, int budgetLatents)
    {
        var random = new Random(seed);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var device = new MemoryLatentDevice();
        var options = StoreFactory.Options(directory, budgetLatents * TestEntries.FileBytes(), policy: policy.Name) with
        {
            DataDirectory = directory.Path,
        };
        var metadata = SqliteMetadataBackend.Open(directory.Combine($"meta-{policy.Name}-{seed}.db"));
        await using var store = new LatentStore(options, device, metadata, policy, time);
        await store.OpenAsync();

        var entries = Enumerable.Range(0, prompts).Select(i => TestEntries.Descriptor(prompt: $"prompt {i}")).ToArray();
        double[] popularity = Zipf(prompts, exponent: 1.0);
        float[] latent = TestEntries.Latent(seed);
        int hits = 0;
        long saved = 0;
        for (int r = 0; r < requests; r++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var entry = entries[Pick(random, popularity)];
            int allowedK = CacheSteps[Pick(random, KWeights)];
            if (store.TryGetBestK(entry.Key, allowedK, out int k) && (await store.ReadAsync(entry.Key, k)).IsHit)
            {
                hits++;
                saved += k;
                store.RecordHit(entry.Key, k);
                continue;
            }
            foreach (int cacheStep in CacheSteps)
            {
                store.TryEnqueueWrite(entry, cacheStep, latent, TestEntries.SmallShape);
            }
            await store.FlushAsync();
        }
        await store.FlushAsync();
        Assert.True(store.UsedBytes <= store.MaxBytes);
        return new WorkloadResult(policy.Name, requests, hits, saved, store.Stats.Evictions);
    }

    private static double[] Zipf(int count, double exponent)
    {
        var weights = Enumerable.Range(1, count).Select(rank => 1.0 / Math.Pow(rank, exponent)).ToArray();
        double total = weights.Sum();
        return [.. weights.Select(w => w / total)];
    }

    private static int Pick(Random random, double[] weights)
    {
        double u = random.NextDouble();
        for (int i = 0; i < weights.Length; i++)
        {
            u -= weights[i];
            if (u <= 0)
            {
                return i;
            }
        }
        return weights.Length - 1;
    }
}
