using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Traces;

public sealed class SceneEditorTests
{
    private readonly SceneSampler _sampler = new(TestWorld.World);
    private readonly CanonicalPromptWriter _writer = new(TestWorld.World);

    [Fact]
    public void An_edit_changes_exactly_the_chosen_attribute_and_is_a_small_edit_of_its_prompt()
    {
        var editor = new SceneEditor(_sampler);
        var rule = new SmallEditRule(TraceParameters.Default.SmallEditThreshold);
        var random = new TraceRandom(11);
        var seen = new HashSet<SceneAttribute>();
        for (var i = 0; i < 3000; i++)
        {
            var scene = _sampler.Sample(random);
            foreach (var attribute in editor.EditableAttributes(scene))
            {
                var edited = editor.Edit(scene, attribute, random);
                seen.Add(attribute);
                Assert.Equal([attribute], SceneDifferences.Between(scene, edited));
                var before = PromptText.Words(_writer.Write(scene));
                var after = PromptText.Words(_writer.Write(edited));
                Assert.NotNull(rule.SmallEditDistance(before, after));
                if (scene.Kind != SceneKind.Single)
                {
                    Assert.All(edited.Items, item => Assert.Contains(item.Size, _sampler.MultiObjectSizes));
                }
            }
        }

        Assert.Equal(Enum.GetValues<SceneAttribute>().Length, seen.Count);
    }

    [Fact]
    public void Attributes_apply_only_where_the_scene_has_them()
    {
        var editor = new SceneEditor(_sampler);
        var count = new EmojiScene(SceneKind.Count, [new SceneItem("cat", "small")], "red", "solid", Count: 2);
        var pair = new EmojiScene(SceneKind.Pair, [new SceneItem("cat", "small"), new SceneItem("dog", "medium")], "red", "solid");
        Assert.Contains(SceneAttribute.Count, editor.EditableAttributes(count));
        Assert.DoesNotContain(SceneAttribute.Position, editor.EditableAttributes(count));
        Assert.DoesNotContain(SceneAttribute.Count, editor.EditableAttributes(pair));
        Assert.Throws<ArgumentException>(() => editor.Edit(pair, SceneAttribute.Position, new TraceRandom(1)));
    }

    [Fact]
    public void Differences_count_each_changed_object_and_refuse_different_kinds()
    {
        var a = new EmojiScene(SceneKind.Pair, [new SceneItem("cat", "small"), new SceneItem("dog", "medium")], "red", "solid");
        var b = a with { Items = [new SceneItem("cow", "small"), new SceneItem("pig", "medium")], Colour = "blue" };
        Assert.Equal([SceneAttribute.Object, SceneAttribute.Object, SceneAttribute.Colour], SceneDifferences.Between(a, b));
        Assert.Empty(SceneDifferences.Between(a, a with { Items = a.Items.ToList() })!);
        Assert.Null(SceneDifferences.Between(a, a with { Kind = SceneKind.Relation, Relation = "above" }));
    }
}
