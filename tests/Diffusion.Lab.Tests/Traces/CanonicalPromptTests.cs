using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class CanonicalPromptTests
{
    private readonly CanonicalPromptWriter _writer = new(TestWorld.World);
    private readonly CanonicalPromptParser _parser = new(TestWorld.World);

    public static TheoryData<string> CanonicalExamples => new()
    {
        "a large cat in the top left corner on a blue background",
        "a dog on the left on a red striped background",
        "an orange in the center on an orange background",
        "an umbrella at the bottom on a teal dotted background",
        "a small elephant on the right on a gray gradient background",
        "an elephant at the top on a white background",
        "one small cat on a pink background",
        "two traffic lights on a yellow striped background",
        "three sheep on an orange background",
        "three small mice on a black background",
        "a small cat to the left of an apple on a green background",
        "a dog above a small hot dog on a purple dotted background",
        "an apple and a small stop sign on a brown background",
        "a cat, a small wine glass and an octopus on a blue gradient background",
    };

    [Theory]
    [MemberData(nameof(CanonicalExamples))]
    public void Canonical_examples_parse_and_write_back_unchanged(string prompt)
    {
        Assert.True(_parser.TryParse(prompt, out var scene), prompt);
        Assert.Equal(prompt, _writer.Write(scene!));
    }

    [Fact]
    public void Writer_follows_the_grammar()
    {
        var single = new EmojiScene(SceneKind.Single, [new SceneItem("cat", "large")], "blue", "solid", Position: "top left");
        Assert.Equal("a large cat in the top left corner on a blue background", _writer.Write(single));

        var medium = single with { Items = [new SceneItem("apple", "medium")], Colour = "orange", Texture = "striped", Position = "left" };
        Assert.Equal("an apple on the left on an orange striped background", _writer.Write(medium));

        var count = new EmojiScene(SceneKind.Count, [new SceneItem("knife", "small")], "red", "solid", Count: 2);
        Assert.Equal("two small knives on a red background", _writer.Write(count));
        Assert.Equal("one small knife on a red background", _writer.Write(count with { Count = 1 }));

        var relation = new EmojiScene(SceneKind.Relation, [new SceneItem("dog", "medium"), new SceneItem("umbrella", "small")], "gray", "dotted", Relation: "right of");
        Assert.Equal("a dog to the right of a small umbrella on a gray dotted background", _writer.Write(relation));

        var triple = new EmojiScene(SceneKind.Triple, [new SceneItem("cat", "small"), new SceneItem("dog", "medium"), new SceneItem("apple", "medium")], "teal", "gradient");
        Assert.Equal("a small cat, a dog and an apple on a teal gradient background", _writer.Write(triple));
    }

    [Theory]
    [InlineData("a medium cat in the center on a blue background")]
    [InlineData("a apple in the center on a blue background")]
    [InlineData("an cat in the center on a blue background")]
    [InlineData("a cat in the center on an blue background")]
    [InlineData("a cat in the center on a blue solid background")]
    [InlineData("a cat  in the center on a blue background")]
    [InlineData("a cat in the center on a mauve background")]
    [InlineData("a unicorn in the center on a blue background")]
    [InlineData("two cat on a blue background")]
    [InlineData("one cats on a blue background")]
    [InlineData("four cats on a blue background")]
    [InlineData("a cat in the middle on a blue background")]
    [InlineData("a cat and a dog and a cow on a blue background")]
    [InlineData("a cat, a dog, a cow and a pig on a blue background")]
    [InlineData("a cat in the center on a blue background.")]
    [InlineData("A cat in the center on a blue background")]
    [InlineData("a cat in the center")]
    [InlineData("")]
    public void Parser_refuses_text_that_is_not_canonical(string prompt)
    {
        Assert.False(_parser.TryParse(prompt, out _), prompt);
        Assert.Throws<FormatException>(() => _parser.Parse(prompt));
    }

    [Fact]
    public void Every_sampled_scene_round_trips_through_its_prompt()
    {
        var sampler = new SceneSampler(TestWorld.World);
        var random = new TraceRandom(7);
        var kinds = new HashSet<SceneKind>();
        for (var i = 0; i < 5000; i++)
        {
            var scene = sampler.Sample(random);
            kinds.Add(scene.Kind);
            var prompt = _writer.Write(scene);
            Assert.True(_parser.TryParse(prompt, out var parsed), prompt);
            Assert.Equal(scene, parsed);
        }

        Assert.Equal(Enum.GetValues<SceneKind>().Length, kinds.Count);
    }
}
