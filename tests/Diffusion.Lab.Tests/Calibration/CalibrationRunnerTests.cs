using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Lab.Calibration;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Calibration;

/// <summary>
/// The calibration's measuring half on our models, through the serving engine: every pair gets its full runs and a
/// run from the source's latent at every K, and a run from K equals a full run only when nothing was skipped.
/// </summary>
public sealed class CalibrationRunnerTests(OwnModel own) : IClassFixture<OwnModel>
{
    [OwnModelsFact]
    public async Task Each_pair_is_measured_at_every_K_through_the_engine()
    {
        var root = own.Root!;
        var worldPath = Path.Combine(root, "world.json");
        var world = EmojiWorld.Load(worldPath);
        using var judge = SceneJudge.Load(root, worldPath);
        var parser = new CanonicalPromptParser(world);
        var writer = new CanonicalPromptWriter(world);
        var scenes = HeldOutPrompt.Load(Path.Combine(root, "eval", "heldout.jsonl"))
            .Select(h => parser.TryParse(h.Prompt, out var scene) ? scene : null).OfType<EmojiScene>().Take(3).ToArray();
        // the same scene twice (a repeat), then two different scenes
        var pairs = new[]
        {
            new PlannedPair(scenes[0], writer.Write(scenes[0]), scenes[0], writer.Write(scenes[0]), PairRelation.Neighbour, 7),
            new PlannedPair(scenes[1], writer.Write(scenes[1]), scenes[2], writer.Write(scenes[2]), PairRelation.Neighbour, 8),
        };
        var options = new CalibrationOptions { Steps = 10, BatchRows = 6, GuidanceScale = own.Models!.Folder.DefaultGuidanceScale, CachePoints = [10, 25] };

        var measured = await new CalibrationRunner(own.Pipeline!, judge, options, null).MeasureAsync(pairs, CancellationToken.None);

        Assert.Equal(2, measured.Count);
        Assert.All(measured, pair =>
        {
            Assert.Equal([10, 25], pair.ByK.Select(k => k.K));
            Assert.True(pair.FullChecks > 0);
            Assert.All(pair.ByK, k => Assert.Equal(pair.FullChecks, k.Checks));
        });
        // a repeat resumed from its own latent (same prompt, same seed) ends where its full run ends
        Assert.All(measured[0].ByK, k => Assert.True(k.PixelDistance < 1e-3, $"K {k.K}: distance {k.PixelDistance}"));
        Assert.Equal(1.0, measured[0].PromptSimilarity, 3);
        Assert.True(measured[1].PromptSimilarity < 0.999);
        Assert.Contains(measured[1].ByK, k => k.PixelDistance > 1e-3);
    }
}
