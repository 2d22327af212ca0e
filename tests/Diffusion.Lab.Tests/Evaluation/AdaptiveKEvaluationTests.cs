using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Evaluation.AdaptiveK;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Evaluation;

/// <summary>
/// A tiny <c>eval adaptive-k</c> on our models (real UNet, judge, image encoder): three replays of one shifting trace,
/// figures per phase, the table's state, the page and its plot. The table lets every similarity hit at K 10 of 50 and the
/// adaptive rule decides after two observations, so four-step runs move it at all.
/// </summary>
public sealed class AdaptiveKEvaluationTests(OwnModel own) : IClassFixture<OwnModel>
{
    [OwnModelsFact]
    public async Task Fixed_and_adaptive_replay_one_shifting_trace_against_no_cache()
    {
        var root = own.Root!;
        var world = Path.Combine(root, "world.json");
        using var judge = SceneJudge.Load(root, world);
        using var directory = new TempDirectory();
        var table = KTableSet.Uncalibrated with
        {
            DefaultMode = Cache.RetrievalMode.PromptToPrompt,
            PromptToPrompt = new SimilarityKTable([new(-1, 10)]),
        };
        var options = new AdaptiveKEvaluationOptions
        {
            Requests = 32,
            Users = 3,
            Steps = 4,
            Concurrency = 3,
            Window = 6,
            Budget = new ByteSize(64 * 1024),
            WorkDirectory = directory.Combine("work"),
            Adaptive = new AdaptiveKOptions { MinSamples = 2, Window = 4, ExploreRate = 0.5, ControlRate = 0.2, Tolerance = 0.001 },
        };
        var report = await new AdaptiveKEvaluation(own.Pipeline!, judge, EmojiWorld.Load(world), table, options, null).RunAsync(default);

        Assert.Equal(16, report.Configuration.ShiftAt);
        Assert.Equal([AdaptiveKReport.Fixed, AdaptiveKReport.Adaptive], report.Systems.Keys);
        foreach (var (system, phases) in report.Systems)
        {
            Assert.Equal([AdaptiveKReport.Before, AdaptiveKReport.After], phases.Keys);
            foreach (var f in phases.Values)
            {
                Assert.Equal(16, f.Requests);
                Assert.InRange(f.StepsSaved, 0, 0.75);
                Assert.InRange(f.JudgeAccuracy, 0, 1);
                Assert.True(double.IsFinite(f.ClipDrop) && f.ClipDropStandardError >= 0, system);
            }
            Assert.NotEmpty(report.Curves[system]);
        }
        Assert.True(report.Systems[AdaptiveKReport.Fixed][AdaptiveKReport.After].StepsSaved > 0, "the fixed table lets every similarity hit");
        var state = report.AdaptiveState!;
        Assert.True(state.Observations >= 20, $"{state.Observations} images scored");   // hits and controls; misses and repeats teach nothing
        Assert.True(state.Explorations + state.Controls > 0);

        var page = AdaptiveKMarkdown.Write(report, "adaptive-k.png");
        Assert.Contains("## Does adaptation beat the fixed table after the shift?", page);
        Assert.Contains("| `adaptive` | after shift |", page);
        var png = AdaptiveKPlot.Render(report);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
        Assert.Contains("\"adaptive_beats_fixed_after_shift\"", report.ToJson());
    }
}
