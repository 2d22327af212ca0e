using System.Text.Json;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Evaluation;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Evaluation;

/// <summary>
/// A tiny <c>eval cache</c> on our models (real UNet, judge, image encoder): every system on one trace, figures
/// consistent with each system's rules, plots and the results page written. <c>ours</c> gets a table that lets every
/// similarity hit, so it differs from <c>nirvana</c>; the reuse threshold is high, so four-step runs reuse at all.
/// </summary>
public sealed class CacheEvaluationTests(OwnModel own) : IClassFixture<OwnModel>
{
    [OwnModelsFact]
    public async Task Every_system_replays_one_trace_and_reports_consistent_figures()
    {
        var root = own.Root!;
        var world = Path.Combine(root, "world.json");
        using var judge = SceneJudge.Load(root, world);
        using var directory = new TempDirectory();
        var ours = KTableSet.Uncalibrated with { PromptToPrompt = new SimilarityKTable([new(-1, 10), new(0.99, 25)]), Note = "test table" };
        var options = new CacheEvaluationOptions
        {
            Requests = 16,
            Users = 3,
            Steps = 4,
            Warmup = 0.25,
            Concurrency = 3,
            Budget = new ByteSize(64 * 1024),
            WorkDirectory = directory.Combine("work"),
        };
        var evaluation = new CacheEvaluation(own.Pipeline!, judge, EmojiWorld.Load(world), CacheSystems.Standard(ours, 0.95, outputReuse: 5f), options, null);
        var report = await evaluation.RunAsync(default);

        Assert.Equal(CacheSystems.Names, report.Systems.Keys);
        Assert.Equal(12, report.Configuration.Measured);
        var none = report.Systems[CacheSystems.None];
        Assert.Equal(0, none.StepsSaved);
        Assert.Equal(0, none.DistanceToNone);
        Assert.Equal(1, none.ClipImageCosineToNone, 3);
        foreach (var (name, f) in report.Systems)
        {
            Assert.InRange(f.JudgeAccuracy, 0, 1);
            Assert.True(f.JudgeChecks > 0, name);
            Assert.True(double.IsFinite(f.ClipScore), name);
            Assert.True(f.LatencyP50S > 0 && f.LatencyP95S >= f.LatencyP50S, name);
            Assert.True(f.ThroughputRps > 0, name);
            Assert.True(f.MaxUsedBytes <= options.Budget.Bytes, name);
            Assert.Equal(12, f.Latencies.Count);
        }
        foreach (var name in new[] { CacheSystems.Exact, CacheSystems.GptCache })
        {
            var f = report.Systems[name];
            Assert.Equal(f.HitRate, f.StepsSaved, 3);                  // a final-image hit saves every step
            Assert.All(f.HitsByK.Keys, k => Assert.Equal(options.Steps, k));
        }
        var oursFigures = report.Systems[CacheSystems.Ours];
        Assert.True(oursFigures.StepsSaved > 0);
        Assert.All(oursFigures.HitsByK.Keys, k => Assert.InRange(k, 1, 2)); // K 10 or 25 of 50 → step 1 or 2 of 4
        Assert.True(oursFigures.DistanceToNone > 0);
        Assert.False(report.OursVersusNirvana.SameTable);

        var fewer = report.Systems[CacheSystems.FewerSteps];                 // no cache, the mean step count ours ran
        Assert.Equal(CacheSystems.FewerStepsFor(options.Steps, oursFigures.StepsSaved), report.Configuration.FewerStepsSteps);
        Assert.InRange(report.Configuration.FewerStepsSteps, 1, options.Steps - 1);
        Assert.Equal(1 - report.Configuration.FewerStepsSteps / (double)options.Steps, fewer.StepsSaved, 3);
        Assert.Equal(0, fewer.HitRate);
        Assert.True(fewer.DistanceToNone > 0);                               // same seeds, a shorter schedule: near none, not equal

        var within = report.Systems[CacheSystems.WithinRequest];              // no cache: it saves calls, not steps
        Assert.Equal((0.0, 0.0), (within.StepsSaved, within.HitRate));
        Assert.InRange(within.ModelCallsSaved, 0.01, 0.5);                  // at most the two middle steps of four
        Assert.True(within.DistanceToNone > 0);
        var combined = report.Systems[CacheSystems.OursWithin];
        Assert.True(combined.StepsSaved > 0 && combined.ModelCallsSaved > combined.StepsSaved,
            $"ours+within saved {combined.StepsSaved} of the steps and {combined.ModelCallsSaved} of the calls");
        Assert.Equal(5f, report.Configuration.OutputReuseThreshold);

        using var json = JsonDocument.Parse(report.ToJson());
        foreach (var system in json.RootElement.GetProperty("systems").EnumerateObject())
        {
            Assert.All(ReportTests.RequiredKeys, key => Assert.True(system.Value.TryGetProperty(key, out _), $"{system.Name} lacks {key}"));
        }
        var plots = EvaluationPlots.WriteAll(report, directory.Combine("report"));
        Assert.Equal(2, plots.Count);
        Assert.All(plots, p => Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(p).Take(4)));
        Assert.Contains("| `ours` |", ResultsMarkdown.Write(report, []));
    }
}
