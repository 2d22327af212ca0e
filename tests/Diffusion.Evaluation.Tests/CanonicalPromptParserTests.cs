namespace Diffusion.Evaluation.Tests;

public class CanonicalPromptParserTests
{
    private static readonly CanonicalPromptParser Parser = CanonicalPromptParser.Load(Path.Combine(RepoPaths.Models, "world.json"));

    [Theory]
    [InlineData("a large cat in the top left corner on a blue background", "single", "cat", 1, "blue", "solid")]
    [InlineData("two small teddy bears on an orange striped background", "count", "teddy bear", 2, "orange", "striped")]
    [InlineData("one mouse on a white gradient background", "count", "mouse", 1, "white", "gradient")]
    [InlineData("three mice on a gray background", "count", "mouse", 3, "gray", "solid")]
    [InlineData("a dog to the left of a small bicycle on a red dotted background", "relation", "dog", 1, "red", "dotted")]
    [InlineData("a sun above a house on a teal background", "relation", "sun", 1, "teal", "solid")]
    public void Parses_canonical_prompts(string text, string kind, string first, int count, string colour, string texture)
    {
        var parsed = Parser.Parse(text);
        Assert.NotNull(parsed);
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal((first, count), parsed.Objects[0]);
        Assert.Equal(colour, parsed.Colour);
        Assert.Equal(texture, parsed.Texture);
    }

    [Fact]
    public void Lists_of_objects_parse_in_order()
    {
        var parsed = Parser.Parse("a cat, a small traffic light and an apple on a pink background");
        Assert.NotNull(parsed);
        Assert.Equal("triple", parsed.Kind);
        Assert.Equal(["cat", "traffic light", "apple"], parsed.Objects.Select(o => o.Concept));
    }

    [Theory]
    [InlineData("a cat on the moon")]
    [InlineData("kitty in the corner")]
    [InlineData("a unicorn in the center on a blue background")]
    [InlineData("two cat on a blue background")]
    [InlineData("a cat in the center on a mauve background")]
    [InlineData("")]
    public void Anything_else_is_not_canonical(string text) => Assert.Null(Parser.Parse(text));

    [Fact]
    public void The_expansion_check_wants_the_same_objects_and_counts()
    {
        var prompt = new HeldOutPrompt(0, "counting", "two cats on a blue background", "2 kitties pls", "count", ["cat", "cat"], 2,
            "blue", "solid", null, null, null);
        Assert.True(LlmExpansionCheck.IsValid(prompt, Parser.Parse("two cats on a red background")));
        Assert.False(LlmExpansionCheck.IsValid(prompt, Parser.Parse("three cats on a blue background")));
        Assert.False(LlmExpansionCheck.IsValid(prompt, Parser.Parse("two dogs on a blue background")));
        Assert.False(LlmExpansionCheck.IsValid(prompt, null));
    }
}
