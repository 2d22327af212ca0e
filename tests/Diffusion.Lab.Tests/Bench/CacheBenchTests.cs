using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Bench;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Bench;

/// <summary>
/// A tiny bench on our models (real UNet, judge, image encoder): the figures are consistent with each other.
/// With a table that lets every similarity hit, the full LCBFU replay and its accounting twin make the same
/// prompt→prompt decisions, so they save the same steps.
/// </summary>
public sealed class CacheBenchTests(OwnModel own) : IClassFixture<OwnModel>
{
    [OwnModelsFact]
    public async Task A_small_bench_reports_consistent_figures()
    {
        var root = own.Root!;
        using var judge = SceneJudge.Load(root, Path.Combine(root, "world.json"));
        var tables = KTableSet.Uncalibrated with { PromptToPrompt = new SimilarityKTable([new(-1, 10), new(0.99, 25)]) };
        var options = new CacheBenchOptions
        {
            Requests = 16,
            Users = 2,  // 16 requests cannot carry the derived repeat and edit rates over 50 users
            Steps = 4,
            Warmup = 0.25,
            Concurrency = 3,
            Mode = RetrievalMode.PromptToPrompt,
            Budget = new ByteSize(12 * LatentFileFormat.FileLength(own.Pipeline!.LatentLength, 3, TenantId.Default)),
        };
        var bench = new CacheBench(own.Pipeline!, judge, EmojiWorld.Load(Path.Combine(root, "world.json")), tables, options, null);
        var report = await bench.RunAsync(default);

        Assert.Equal(16, report.Requests);
        Assert.Equal(12, report.Measured);
        Assert.InRange(report.StepsSaved, 0.01, 0.75);        // K ≤ 25 of 50 → at most 3 of 4 steps here
        Assert.True(report.HitRate > 0);
        Assert.Equal(report.HitsByK.Values.Sum(), (int)Math.Round(report.HitRate * report.Measured));
        Assert.True(report.LatencyP50OffMs > 0 && report.LatencyP50OnMs > 0);
        Assert.InRange(report.AccuracyOff, 0, 1);
        Assert.NotEmpty(report.MetricsOff);
        Assert.True(double.IsFinite(report.ClipScoreOff) && double.IsFinite(report.ClipScoreOn));
        Assert.True(report.MaxDiskBytes <= report.BudgetBytes);
        Assert.Equal(4, report.Policies.Count);
        var full = report.Policies.Single(p => !p.Accounting);
        var twin = report.Policies.Single(p => p.Accounting && p.Policy == "lcbfu");
        Assert.Equal(full.StepsSaved, twin.StepsSaved);
        Assert.Equal(full.StepsSaved, report.StepsSaved);
        Assert.Contains("\"steps_saved\"", report.ToJson());
    }
}
