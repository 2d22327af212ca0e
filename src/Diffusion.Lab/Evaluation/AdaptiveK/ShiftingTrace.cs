using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>
/// A generated trace whose prompt mix shifts halfway: the first half draws its objects, background colours and textures
/// from one half of the world, the second half from the other (alternate entries of each list, so both halves are
/// alike in kind). Each half is a standard trace of its sub-world (repeats, edits, popular scenes); the second
/// follows the first in time.
/// </summary>
public sealed record ShiftingTrace(IReadOnlyList<TraceRequest> Requests, int ShiftAt, string Before, string After)
{
    public static ShiftingTrace Generate(EmojiWorld world, int count, long seed, int? users)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        var (first, firstText) = Half(world, 0);
        var (second, secondText) = Half(world, 1);
        var shiftAt = count / 2;
        var before = new TraceGenerator(first, TraceParameters.Default, new TraceOptions { Count = shiftAt, Seed = seed, Users = users }).Generate();
        var after = new TraceGenerator(second, TraceParameters.Default, new TraceOptions { Count = count - shiftAt, Seed = seed + 1, Users = users }).Generate();
        // the second half starts one mean gap after the first ends
        var offset = before[^1].At + TimeSpan.FromTicks(before[^1].At.Ticks / Math.Max(1, before.Count - 1));
        var requests = before.Concat(after.Select(r => r with { Index = r.Index + shiftAt, At = r.At + offset })).ToArray();
        return new ShiftingTrace(requests, shiftAt, firstText, secondText);
    }

    private static (EmojiWorld World, string Text) Half(EmojiWorld world, int parity)
    {
        HashSet<T> Alternate<T>(IEnumerable<T> items) => items.Where((_, i) => i % 2 == parity).ToHashSet();
        var concepts = Alternate(world.Concepts.Select(c => c.Name));
        var colours = Alternate(world.Colours);
        var textures = Alternate(world.Textures.Where(t => t != EmojiWorld.SolidTexture));
        var half = world.Subset(c => concepts.Contains(c.Name), colours.Contains, textures.Contains);
        var text = $"{half.Concepts.Count} objects ({string.Join(", ", half.Concepts.Select(c => c.Name))}) on {string.Join(", ", half.Colours)}, "
            + $"textures {string.Join(", ", half.Textures)}";
        return (half, text);
    }
}
