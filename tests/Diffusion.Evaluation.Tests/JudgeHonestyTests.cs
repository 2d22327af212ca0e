using System.Text.Json;

namespace Diffusion.Evaluation.Tests;

/// <summary>
/// The shipped judge (models/judge) is honest: it sees the objects in reference renders of the held-out
/// prompts, and finds no object in pure noise or in the background alone, so a generator cannot score by
/// drawing nothing.
/// </summary>
public sealed class JudgeHonestyTests : IDisposable
{
    private static readonly string[] ObjectMetrics = ["single_object", "counting", "two_objects", "position"];

    private readonly JudgeModel judge = JudgeModel.Load(Path.Combine(RepoPaths.Models, "judge"));
    private readonly PromptScoring scoring;
    private readonly IReadOnlyList<HeldOutPrompt> prompts = HeldOutPrompt.Load(Path.Combine(RepoPaths.Models, "eval", "heldout.jsonl"));

    public JudgeHonestyTests()
    {
        scoring = new PromptScoring(WorldGeometry.Load(Path.Combine(RepoPaths.Models, "world.json")), judge.Config.RelationMargin);
    }

    [Fact]
    public void Reference_renders_score_high()
    {
        var sheet = ReferenceSheet.Load(Path.Combine(RepoPaths.Models, "eval", "references.png"));
        var withCells = prompts.Where(p => p.ReferenceCell is not null).ToList();
        Assert.True(withCells.Count >= 50, $"only {withCells.Count} held-out prompts have a reference cell");
        var images = withCells.SelectMany(p => sheet.Image(p.ReferenceCell!.Value)).ToArray();
        var tally = Tally(withCells, images);
        foreach (var (metric, rate) in tally)
        {
            Assert.True(rate >= 0.85, $"{metric}: the judge scores reference renders only {rate:F3}");
        }
        Assert.Contains("single_object", tally.Keys);
    }

    [Fact]
    public void Noise_scores_near_zero()
    {
        var sample = prompts.Take(128).ToList();
        var random = new Random(5);
        var images = new float[sample.Count * 3 * 64 * 64];
        for (var i = 0; i < images.Length; i++)
        {
            images[i] = (float)(random.NextDouble() * 2 - 1);
        }
        var tally = Tally(sample, images);
        foreach (var metric in ObjectMetrics.Append("background"))
        {
            Assert.True(tally.GetValueOrDefault(metric) <= 0.05, $"{metric}: noise scores {tally.GetValueOrDefault(metric):F3}");
        }
    }

    [Fact]
    public void The_background_alone_finds_no_object_but_its_colour()
    {
        var colours = LoadColours();
        var sample = prompts.Take(128).ToList();
        var images = new float[sample.Count * 3 * 64 * 64];
        for (var n = 0; n < sample.Count; n++)
        {
            var rgb = colours[sample[n].Colour];
            for (var c = 0; c < 3; c++)
            {
                images.AsSpan((n * 3 + c) * 64 * 64, 64 * 64).Fill(rgb[c] / 127.5f - 1);
            }
        }
        var verdicts = judge.Judge(images, sample.Count);
        Assert.True(verdicts.Count(v => v.Objects.Count > 0) <= sample.Count / 20,
            $"{verdicts.Count(v => v.Objects.Count > 0)} of {sample.Count} plain backgrounds had objects");
        var tally = Tally(sample, images);
        foreach (var metric in ObjectMetrics)
        {
            Assert.True(tally.GetValueOrDefault(metric) <= 0.05, $"{metric}: the background alone scores {tally.GetValueOrDefault(metric):F3}");
        }
        // Solid backgrounds only (no textures): the colour itself must still be read.
        var solid = sample.Where(p => p.Texture == "solid").Select(p => sample.IndexOf(p)).ToList();
        Assert.NotEmpty(solid);
        Assert.True(solid.Count(i => verdicts[i].Background == sample[i].Colour) >= 0.9 * solid.Count, "the background colours were not read");
    }

    private Dictionary<string, double> Tally(IReadOnlyList<HeldOutPrompt> sample, float[] images)
    {
        var verdicts = judge.Judge(images, sample.Count);
        var sums = new Dictionary<string, (int Ok, int All)>();
        for (var i = 0; i < sample.Count; i++)
        {
            foreach (var (metric, ok) in scoring.Score(sample[i], verdicts[i]))
            {
                var (o, a) = sums.GetValueOrDefault(metric);
                sums[metric] = (o + (ok ? 1 : 0), a + 1);
            }
        }
        return sums.ToDictionary(kv => kv.Key, kv => kv.Value.Ok / (double)kv.Value.All);
    }

    private static Dictionary<string, int[]> LoadColours()
    {
        using var world = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Models, "world.json")));
        return world.RootElement.GetProperty("colours").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => c.GetProperty("rgb").EnumerateArray().Select(v => v.GetInt32()).ToArray());
    }

    public void Dispose() => judge.Dispose();
}
