using Diffusion.Evaluation.World;
using Diffusion.Lab.Evaluation.AdaptiveK;

namespace Diffusion.Lab.Tests.Traces;

public sealed class ShiftingTraceTests
{
    [Fact]
    public void The_second_half_asks_for_other_objects_and_backgrounds_than_the_first()
    {
        var world = TestWorld.World;
        var trace = ShiftingTrace.Generate(world, 200, seed: 3, users: 20);
        var parser = new CanonicalPromptParser(world);

        Assert.Equal(100, trace.ShiftAt);
        Assert.Equal(Enumerable.Range(0, 200), trace.Requests.Select(r => r.Index));
        Assert.True(trace.Requests.Zip(trace.Requests.Skip(1)).All(p => p.First.At <= p.Second.At), "arrival times must not go back");

        var before = trace.Requests.Take(100).Select(r => parser.Parse(r.Prompt)).ToArray();
        var after = trace.Requests.Skip(100).Select(r => parser.Parse(r.Prompt)).ToArray();
        var objectsBefore = before.SelectMany(s => s.Items.Select(i => i.Concept)).ToHashSet();
        var objectsAfter = after.SelectMany(s => s.Items.Select(i => i.Concept)).ToHashSet();
        Assert.Empty(objectsBefore.Intersect(objectsAfter));
        Assert.Empty(before.Select(s => s.Colour).ToHashSet().Intersect(after.Select(s => s.Colour)));
        var patternsBefore = before.Select(s => s.Texture).Where(t => t != EmojiWorld.SolidTexture).ToHashSet();
        Assert.Empty(patternsBefore.Intersect(after.Select(s => s.Texture)));
        Assert.True(objectsBefore.Count >= 5 && objectsAfter.Count >= 5, $"{objectsBefore.Count} and {objectsAfter.Count} objects");
    }

    [Fact]
    public void It_is_the_same_trace_for_the_same_seed()
    {
        var one = ShiftingTrace.Generate(TestWorld.World, 60, seed: 5, users: 8);
        var two = ShiftingTrace.Generate(TestWorld.World, 60, seed: 5, users: 8);
        Assert.Equal(one.Requests, two.Requests);
        Assert.NotEqual(one.Requests, ShiftingTrace.Generate(TestWorld.World, 60, seed: 6, users: 8).Requests);
    }
}
