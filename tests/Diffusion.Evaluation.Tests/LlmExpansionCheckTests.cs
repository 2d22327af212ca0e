using Diffusion.Evaluation.World;

namespace Diffusion.Evaluation.Tests;

/// <summary>The LLM's expansions are read with the world's grammar, leniently: what the prompt asks for counts, not its exact spelling.</summary>
public class LlmExpansionCheckTests
{
    private static readonly CanonicalPromptParser Parser = new(EmojiWorld.Load(Path.Combine(RepoPaths.Models, "world.json")));

    [Theory]
    [InlineData("a large cat in the top left corner on a blue background", SceneKind.Single, "cat", 1, "blue", "solid")]
    [InlineData("two small teddy bears on an orange striped background", SceneKind.Count, "teddy bear", 2, "orange", "striped")]
    [InlineData("three mice on a gray background", SceneKind.Count, "mouse", 3, "gray", "solid")]
    [InlineData("a dog to the left of a small bicycle on a red dotted background", SceneKind.Relation, "dog", 1, "red", "dotted")]
    [InlineData("a apple in the center on a teal background", SceneKind.Single, "apple", 1, "teal", "solid")] // wrong article: still an apple
    [InlineData("  a sun above a house on a teal background ", SceneKind.Relation, "sun", 1, "teal", "solid")]
    public void Lenient_parsing_reads_the_facts(string text, SceneKind kind, string first, int count, string colour, string texture)
    {
        var parsed = Parser.ParseLenient(text);
        Assert.NotNull(parsed);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(first, parsed.Items[0].Concept);
        Assert.Equal(count, parsed.Count);
        Assert.Equal(colour, parsed.Colour);
        Assert.Equal(texture, parsed.Texture);
    }

    [Fact]
    public void Lenient_parsing_is_not_canonical_parsing() =>
        Assert.False(Parser.TryParse("a apple in the center on a teal background", out _));

    [Theory]
    [InlineData("a cat on the moon")]
    [InlineData("kitty in the corner")]
    [InlineData("a unicorn in the center on a blue background")]
    [InlineData("two cat on a blue background")]
    [InlineData("a cat in the center on a mauve background")]
    [InlineData("")]
    public void Anything_outside_the_grammar_parses_to_null(string text) => Assert.Null(Parser.ParseLenient(text));

    [Fact]
    public void The_expansion_check_wants_the_same_objects_and_counts()
    {
        var counting = new HeldOutPrompt(0, "counting", "two cats on a blue background", "2 kitties pls", "count", ["cat", "cat"], 2,
            "blue", "solid", null, null, null);
        Assert.True(LlmExpansionCheck.IsValid(counting, Parser.ParseLenient("two cats on a red background")));
        Assert.False(LlmExpansionCheck.IsValid(counting, Parser.ParseLenient("three cats on a blue background")));
        Assert.False(LlmExpansionCheck.IsValid(counting, Parser.ParseLenient("two dogs on a blue background")));
        Assert.False(LlmExpansionCheck.IsValid(counting, null));

        var pair = new HeldOutPrompt(1, "two_objects", "a cat and a dog on a blue background", "cat + dog", "pair", ["cat", "dog"], 1,
            "blue", "solid", null, null, null);
        Assert.True(LlmExpansionCheck.IsValid(pair, Parser.ParseLenient("a dog and a cat on a blue background")));
        Assert.True(LlmExpansionCheck.IsValid(pair, Parser.ParseLenient("a dog to the left of a cat on a blue background")));
        Assert.False(LlmExpansionCheck.IsValid(pair, Parser.ParseLenient("a dog and a bird on a blue background")));
    }
}
