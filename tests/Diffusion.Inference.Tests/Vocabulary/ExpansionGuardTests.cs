using Diffusion.Inference.Vocabulary;

namespace Diffusion.Inference.Tests.Vocabulary;

/// <summary>
/// The expansion guard on the shipped vocabulary, with scripted expansions: the cases a user met (the LLM
/// dropped, swapped or invented objects), loose wording, and unknown concepts.
/// </summary>
public sealed class ExpansionGuardTests
{
    private static readonly PromptVocabulary Vocabulary = new(ModelVocabulary.Load(TestPaths.OwnModels)!);
    private static readonly ExpansionGuard Guard = new(Vocabulary);

    [Theory]
    [InlineData("pls draw me 2 doggos and a pizza, pink bg", "two dogs and a pizza on a pink background")]
    [InlineData("a doggy next to a bike", "a dog and a bicycle")]
    [InlineData("3 fishies swimming, blue", "three fish on a blue background")]
    [InlineData("three sheeps on a purple background", "three sheep on a purple background")]
    [InlineData("red apple?", "an apple")]
    [InlineData("sunny day over a little house", "a sun above a small house")]
    [InlineData("🐶🐶 and a 🍕 on green", "two dogs and a pizza on a green background")]
    [InlineData("can u make a tiny elephnat in the top left corner??", "a small elephant in the top left corner")]
    [InlineData("on a black striped background, a cat to the right of a kitty", "a cat to the right of a cat on a black striped background")]
    public void Loose_requests_read_as_the_model_s_facts(string request, string canonical)
    {
        var facts = Guard.Parser.Parse(request);
        Assert.Equal(canonical, facts.ToPrompt(Vocabulary.Vocabulary));
    }

    [Theory]
    [InlineData("pls draw me 2 doggos and a pizza, pink bg", "two pizza and a pizza on a pink background", "two dogs and a pizza on a pink background")]
    [InlineData("a doggy next to a bike", "one dog on a black background", "a dog and a bicycle on a black background")]
    [InlineData("3 fishies swimming, blue", "three cups on a blue background", "three fish on a blue background")]
    [InlineData("three sheeps on a purple background", "three potted plants on a purple background", "three sheep on a purple background")]
    [InlineData("red apple?", "a red background", "an apple on a red background")]
    [InlineData("sunny day over a little house", "a small house above a small house", "a sun above a small house")]
    public void A_swapped_dropped_or_invented_object_is_corrected_to_the_request_s_facts(string request, string expansion, string expected)
    {
        var guarded = Guard.Guard(request, expansion);
        Assert.True(guarded.Corrected);
        Assert.Equal(expected, guarded.Prompt);
    }

    [Fact]
    public void An_expansion_that_keeps_the_request_is_used_and_says_what_it_filled_in()
    {
        var guarded = Guard.Guard("2 kitties", "two small cats on a teal striped background");
        Assert.False(guarded.Corrected);
        Assert.Equal("two small cats on a teal striped background", guarded.Prompt);
        Assert.Equal(["background", "texture", "size"], guarded.FilledIn);
        Assert.Empty(guarded.Warnings);
    }

    [Fact]
    public void A_changed_count_relation_or_named_background_is_corrected()
    {
        Assert.Equal("two cats on a blue background", Guard.Guard("two cats on blue", "three cats on a blue background").Prompt);
        Assert.Equal("a cat above a dog on a red background", Guard.Guard("a cat above a dog", "a cat below a dog on a red background").Prompt);
        Assert.Equal("a cat on a pink background", Guard.Guard("a cat, pink bg", "a cat on a green background").Prompt);
    }

    [Fact]
    public void An_unknown_concept_is_reported_and_never_swapped_for_another_object()
    {
        var guarded = Guard.Guard("a fox in a snowy forest", "a dog on a white background");
        Assert.True(guarded.Corrected);
        Assert.Equal("a fox in a snowy forest", guarded.Prompt);   // the request's own words: no dog it did not ask for
        Assert.Contains(guarded.Warnings, w => w.StartsWith("“fox” is not in this model's vocabulary", StringComparison.Ordinal));

        var mixed = Guard.Guard("a unicorn and a cat", "two cats on a pink background");
        Assert.Equal("a cat on a pink background", mixed.Prompt);
        Assert.Contains(mixed.Warnings, w => w.Contains("“unicorn”", StringComparison.Ordinal));
    }
}
