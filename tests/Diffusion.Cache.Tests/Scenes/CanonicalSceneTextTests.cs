using Diffusion.Cache.Scenes;
using Diffusion.Evaluation;

namespace Diffusion.Cache.Tests.Scenes;

public sealed class CanonicalSceneTextTests
{
    private static readonly EmojiWorld World = EmojiWorld.Load(TestPaths.World);
    private readonly CanonicalSceneText _text = new(World);
    private readonly SceneEditor _editor = new(World);

    [Theory]
    [InlineData("a large cat in the top left corner on a blue background", "single")]
    [InlineData("a dog on the left on a red striped background", "single")]
    [InlineData("an apple in the center on an orange dotted background", "single")]
    [InlineData("two small dogs on a red striped background", "count")]
    [InlineData("one cat on a gray gradient background", "count")]
    [InlineData("three people on a white background", "count")]
    [InlineData("a small dog to the left of a bicycle on a green background", "relation")]
    [InlineData("a sun above a house on a yellow background", "relation")]
    [InlineData("a cat and a small dog on a pink background", "pair")]
    [InlineData("a cat, a dog and an apple on a black background", "triple")]
    public void Canonical_prompts_parse_and_write_back_identically(string prompt, string kind)
    {
        var scene = _text.Parse(prompt);
        Assert.NotNull(scene);
        Assert.Equal(kind, scene.Kind);
        Assert.Equal(prompt, _text.Write(scene));
    }

    [Theory]
    [InlineData("a cat")]
    [InlineData("a large cat in the top left corner on a blue")]
    [InlineData("a large unicorn in the center on a blue background")]
    [InlineData("a apple in the center on a blue background")]
    [InlineData("four cats on a blue background")]
    [InlineData("a cat in the center on a plaid background")]
    public void Other_text_is_not_canonical(string prompt) => Assert.Null(_text.Parse(prompt));

    [Fact]
    public void Sizes_are_kept_which_the_evaluation_parser_drops_but_the_facts_agree()
    {
        var evaluation = CanonicalPromptParser.Load(TestPaths.World);
        var random = new Random(3);
        for (var i = 0; i < 500; i++)
        {
            var scene = _editor.Draw(random);
            var prompt = _text.Write(scene);
            var facts = evaluation.Parse(prompt);
            Assert.NotNull(facts);
            Assert.Equal(scene.Kind, facts.Kind);
            Assert.Equal(scene.Colour, facts.Colour);
            Assert.Equal(scene.Texture, facts.Texture);
            Assert.Equal(scene.Position, facts.Position);
            Assert.Equal(scene.Relation, facts.Relation);
            Assert.Equal(scene.Items.Select(it => it.Concept), facts.Objects.Select(o => o.Concept));
            Assert.True(scene.SameAs(_text.Parse(prompt)!), prompt);
        }
    }

    [Fact]
    public void An_edit_changes_exactly_the_chosen_attribute_and_stays_canonical()
    {
        var random = new Random(11);
        for (var i = 0; i < 500; i++)
        {
            var scene = _editor.Draw(random);
            var (edited, attribute) = _editor.EditRandom(scene, random);
            Assert.False(edited.SameAs(scene));
            var prompt = _text.Write(edited);
            Assert.True(edited.SameAs(_text.Parse(prompt)!), prompt);
            Assert.Equal(attribute == SceneAttribute.Colour, edited.Colour != scene.Colour);
            Assert.Equal(attribute == SceneAttribute.Texture, edited.Texture != scene.Texture);
            Assert.Equal(attribute == SceneAttribute.Position, edited.Position != scene.Position);
            Assert.Equal(attribute == SceneAttribute.Relation, edited.Relation != scene.Relation);
            Assert.Equal(attribute == SceneAttribute.Count, edited.Count != scene.Count);
            Assert.Equal(attribute == SceneAttribute.Object, !edited.Items.Select(it => it.Concept).SequenceEqual(scene.Items.Select(it => it.Concept)));
            Assert.Equal(attribute == SceneAttribute.Size, !edited.Items.Select(it => it.Size).SequenceEqual(scene.Items.Select(it => it.Size)));
        }
    }

    [Fact]
    public void Scene_facts_map_to_the_held_out_categories()
    {
        var single = _text.Parse("a large cat in the top left corner on a blue background")!;
        var facts = Scoring.SceneJudge.Facts(single, "p");
        Assert.Equal(["single_object", "position_absolute"], facts.Select(f => f.Category));
        Assert.All(facts, f => Assert.Equal("top left", f.Position));
        var count = Scoring.SceneJudge.Facts(_text.Parse("two small dogs on a red background")!, "p");
        Assert.Equal(2, Assert.Single(count).Count);
        var relation = Assert.Single(Scoring.SceneJudge.Facts(_text.Parse("a sun above a house on a yellow background")!, "p"));
        Assert.Equal(("position_relation", "above"), (relation.Category, relation.Relation));
        Assert.Equal(["sun", "house"], relation.Objects);
    }
}
