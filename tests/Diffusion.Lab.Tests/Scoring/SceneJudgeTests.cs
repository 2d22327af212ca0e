using Diffusion.Evaluation.World;
using Diffusion.Lab.Scoring;

namespace Diffusion.Lab.Tests.Scoring;

/// <summary>Trace prompts become the judge's held-out facts exactly as the evaluation's own parser reads them.</summary>
public sealed class SceneJudgeTests
{
    private static readonly EmojiWorld World = EmojiWorld.Load(TestPaths.World);

    [Fact]
    public void Scene_facts_map_to_the_held_out_categories()
    {
        var parser = new CanonicalPromptParser(World);
        var single = SceneJudge.Facts(parser.Parse("a large cat in the top left corner on a blue background"), "p");
        Assert.Equal(["single_object", "position_absolute"], single.Select(f => f.Category));
        Assert.All(single, f => Assert.Equal("top left", f.Position));
        var count = Assert.Single(SceneJudge.Facts(parser.Parse("two small dogs on a red background"), "p"));
        Assert.Equal(("counting", 2), (count.Category, count.Count));
        var relation = Assert.Single(SceneJudge.Facts(parser.Parse("a sun above a house on a yellow background"), "p"));
        Assert.Equal(("position_relation", "above"), (relation.Category, relation.Relation));
        Assert.Equal(["sun", "house"], relation.Objects);
        var triple = Assert.Single(SceneJudge.Facts(parser.Parse("a cat, a dog and an apple on a black striped background"), "p"));
        Assert.Equal(("two_objects", "black", "striped"), (triple.Category, triple.Colour, triple.Texture));
        Assert.Equal(["cat", "dog", "apple"], triple.Objects);
    }

    [Fact]
    public void Accuracy_is_the_share_of_checks_passed()
    {
        var checks = new[]
        {
            new Dictionary<string, bool> { ["background"] = true, ["counting"] = false },
            new Dictionary<string, bool> { ["background"] = true, ["single_object"] = true, ["position"] = false },
        };
        Assert.Equal(3 / 5.0, SceneJudge.Accuracy(checks), 9);
        Assert.Equal(0, SceneJudge.Accuracy([]));
    }
}
