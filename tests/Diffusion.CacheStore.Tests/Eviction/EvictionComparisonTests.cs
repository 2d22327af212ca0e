using Diffusion.CacheStore;
using Xunit.Abstractions;

namespace Diffusion.CacheStore.Tests.Eviction;

public sealed class EvictionComparisonTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _directory = new();

    /// <summary>
    /// Kept short (a few seconds on an idle machine). The grace period is a fraction of the cache's turnover
    /// time (here 10 s = 10 requests ≈ 5 misses ≈ 25 new latents of the 75 that fit); it also sets LCBFU's
    /// half-life. Without a grace period (and so without decay) LCBFU saves more on this workload: a latent not
    /// hit yet is valued at the mean hits of its K, not at zero, so new latents no longer need the protection
    /// the grace period gave them when hits alone counted. Both are reported; the configured one must win.
    /// </summary>
    [Fact]
    public async Task Lcbfu_saves_more_steps_than_lru_and_fifo_on_a_skewed_workload()
    {
        const int Prompts = 150, Requests = 1000, BudgetLatents = 75;
        var totals = new Dictionary<string, long>();
        foreach (int seed in new[] { 11, 12 })
        {
            output.WriteLine($"seed {seed}: {Prompts} prompts (Zipf 1.0), {Requests} requests, room for {BudgetLatents} of {Prompts * 5} latents");
            var policies = new (string Label, IEvictionPolicy Policy)[]
            {
                ("lcbfu (grace 10 s)", new LcbfuEvictionPolicy(TimeSpan.FromSeconds(10))),
                ("lcbfu (no grace)", new LcbfuEvictionPolicy(TimeSpan.Zero)),
                ("lru", new LruEvictionPolicy()),
                ("fifo", new FifoEvictionPolicy()),
            };
            foreach (var (label, policy) in policies)
            {
                var result = await EvictionWorkload.RunAsync(_directory, policy, seed, Prompts, Requests, BudgetLatents);
                output.WriteLine($"  {label,-18} {result}");
                totals[label] = totals.GetValueOrDefault(label) + result.StepsSaved;
            }
        }
        output.WriteLine("total steps saved: " + string.Join(", ", totals.Select(t => $"{t.Key} {t.Value}")));

        long lcbfu = totals["lcbfu (grace 10 s)"];
        Assert.True(lcbfu > totals["lru"], $"LCBFU saved {lcbfu} steps, LRU {totals["lru"]}");
        Assert.True(lcbfu > totals["fifo"], $"LCBFU saved {lcbfu} steps, FIFO {totals["fifo"]}");
    }

    public void Dispose() => _directory.Dispose();
}
