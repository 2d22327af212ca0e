using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Calibration;

/// <summary><c>calibrate reuse</c>: the choice rule on synthetic points, and a tiny run on our models.</summary>
public sealed class ReuseCalibrationTests(OwnModel own) : IClassFixture<OwnModel>
{
    private static readonly ReuseCalibrationOptions Options = new() { Tolerance = 0.02, ClipDrop = 0.01 };
    private static readonly ReusePoint Full = new(0, 0, 0.80, 0.50, 0, 1, 200);

    private static ReusePoint At(float threshold, double accuracy, double clip) => new(threshold, threshold, accuracy, clip, threshold / 10, 1 - threshold / 10, 200);

    [Fact]
    public void The_largest_threshold_of_the_passing_prefix_is_chosen()
    {
        var (chosen, reason) = ReuseCalibration.Choose(Full, [At(0.1f, 0.80, 0.499), At(0.2f, 0.79, 0.497), At(0.4f, 0.75, 0.49), At(0.8f, 0.80, 0.50)], Options);
        Assert.Equal(0.2f, chosen);                              // 0.4 loses 0.05 accuracy; 0.8 passing by chance does not count
        Assert.StartsWith("0.2: the largest threshold within the bars; 0.4 loses 0.050 judge accuracy", reason);

        Assert.Null(ReuseCalibration.Choose(Full, [At(0.1f, 0.80, 0.49)], Options).Threshold);       // a 2 % CLIP drop at once
        Assert.Equal(0.4f, ReuseCalibration.Choose(Full, [At(0.1f, 0.8, 0.5), At(0.4f, 0.79, 0.499)], Options).Threshold);
    }

    [Fact]
    public void Settings_outside_their_ranges_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new ReuseCalibrationOptions { Thresholds = [] }.Validate());
        Assert.Throws<ArgumentException>(() => new ReuseCalibrationOptions { Thresholds = [0f] }.Validate());
        Assert.Throws<ArgumentException>(() => new ReuseCalibrationOptions { Prompts = 1 }.Validate());
    }

    [OwnModelsFact]
    public void A_tiny_calibration_measures_each_threshold_against_the_full_runs()
    {
        var root = own.Root!;
        var world = Path.Combine(root, "world.json");
        using var judge = SceneJudge.Load(root, world);
        var options = new ReuseCalibrationOptions { Prompts = 3, Steps = 6, Thresholds = [0.01f, 5f] };
        var result = new ReuseCalibration(own.Pipeline!, judge, EmojiWorld.Load(world), options, null)
            .Run(HeldOutPrompt.Load(Path.Combine(root, "eval", "heldout.jsonl")), default);

        Assert.Equal(3, result.Prompts);
        Assert.Equal([0.01f, 5f], result.Points.Select(p => p.Threshold));
        Assert.Equal(0, result.Full.CallsSaved);
        var loose = result.Points[1];
        Assert.InRange(loose.CallsSaved, 0.1, 4 / 6.0);          // the first and last of six steps always call the UNet
        Assert.True(loose.DistanceToFull > 0 && loose.ClipImageCosineToFull < 1);
        Assert.True(result.Points[0].CallsSaved <= loose.CallsSaved);
        Assert.Contains("| 5 |", result.ToMarkdown("plot.png", "./run.sh calibrate reuse"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], result.RenderPlot().Take(4));
    }
}
