namespace Diffusion.Evaluation.Tests;

public class PromptScoringTests
{
    private static readonly PromptScoring Scoring =
        new(WorldGeometry.Load(Path.Combine(RepoPaths.Models, "world.json")), relationMargin: 3f);

    private static HeldOutPrompt Prompt(string category, string kind, string[] objects, int count = 1,
        string? position = null, string? relation = null) =>
        new(0, category, "p", "l", kind, objects, count, "blue", "solid", position, relation, null);

    private static FoundObject F(string concept, int area, float x, float y) => new(concept, area, x, y);

    private static JudgeVerdict Verdict(string? background, params FoundObject[] objects) => new(objects, background);

    [Fact]
    public void Background_is_scored_on_every_prompt()
    {
        var p = Prompt("single_object", "single", ["cat"], position: "left");
        Assert.True(Scoring.Score(p, Verdict("blue"))["background"]);
        Assert.False(Scoring.Score(p, Verdict("red"))["background"]);
        Assert.False(Scoring.Score(p, Verdict(null))["background"]);
    }

    [Fact]
    public void Counting_needs_the_exact_count()
    {
        var p = Prompt("counting", "count", ["cat"], count: 2);
        var two = Verdict("blue", F("cat", 50, 10, 10), F("cat", 50, 50, 50), F("dog", 50, 30, 30));
        var three = Verdict("blue", F("cat", 50, 10, 10), F("cat", 50, 50, 50), F("cat", 50, 30, 30));
        Assert.True(Scoring.Score(p, two)["counting"]);
        Assert.False(Scoring.Score(p, three)["counting"]);
    }

    [Fact]
    public void A_relation_must_hold_by_the_margin_between_the_largest_instances()
    {
        var p = Prompt("position_relation", "relation", ["dog", "bicycle"], relation: "left of");
        Assert.True(Scoring.Score(p, Verdict("blue", F("dog", 80, 10, 32), F("bicycle", 80, 50, 32)))["position"]);
        Assert.False(Scoring.Score(p, Verdict("blue", F("dog", 80, 50, 32), F("bicycle", 80, 10, 32)))["position"]);
        Assert.False(Scoring.Score(p, Verdict("blue", F("dog", 80, 30, 32), F("bicycle", 80, 32, 32)))["position"]);
        Assert.False(Scoring.Score(p, Verdict("blue", F("dog", 80, 10, 32)))["position"]);
        var above = Prompt("position_relation", "relation", ["sun", "house"], relation: "above");
        Assert.True(Scoring.Score(above, Verdict("blue", F("sun", 80, 32, 8), F("house", 80, 32, 50)))["position"]);
    }

    [Fact]
    public void Absolute_positions_check_the_named_axes()
    {
        var corner = Prompt("position_absolute", "single", ["cat"], position: "top left");
        Assert.True(Scoring.Score(corner, Verdict("blue", F("cat", 80, 10, 10)))["position"]);
        Assert.False(Scoring.Score(corner, Verdict("blue", F("cat", 80, 10, 40)))["position"]);
        var left = Prompt("position_absolute", "single", ["cat"], position: "left");
        Assert.True(Scoring.Score(left, Verdict("blue", F("cat", 80, 10, 55)))["position"]);
        var centre = Prompt("position_absolute", "single", ["cat"], position: "center");
        Assert.True(Scoring.Score(centre, Verdict("blue", F("cat", 80, 32, 32)))["position"]);
        Assert.False(Scoring.Score(centre, Verdict("blue", F("cat", 80, 32, 5)))["position"]);
    }

    [Fact]
    public void Two_objects_need_both()
    {
        var p = Prompt("two_objects", "pair", ["cat", "dog"]);
        Assert.True(Scoring.Score(p, Verdict("blue", F("cat", 50, 10, 10), F("dog", 50, 50, 50)))["two_objects"]);
        Assert.False(Scoring.Score(p, Verdict("blue", F("cat", 50, 10, 10)))["two_objects"]);
    }
}
