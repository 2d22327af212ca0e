using Diffusion.Evaluation.World;

namespace Diffusion.Lab.Traces.World;

/// <summary>Compares two scenes attribute by attribute.</summary>
public static class SceneDifferences
{
    /// <summary>
    /// One entry per difference: each object whose concept differs counts once as
    /// <see cref="SceneAttribute.Object"/>, each object whose size differs once as
    /// <see cref="SceneAttribute.Size"/>. Null when the scenes differ in kind, so no attribute-wise
    /// comparison exists.
    /// </summary>
    public static IReadOnlyList<SceneAttribute>? Between(EmojiScene a, EmojiScene b)
    {
        if (a.Kind != b.Kind || a.Items.Count != b.Items.Count)
        {
            return null;
        }

        var differences = new List<SceneAttribute>();
        for (var i = 0; i < a.Items.Count; i++)
        {
            if (a.Items[i].Concept != b.Items[i].Concept)
            {
                differences.Add(SceneAttribute.Object);
            }

            if (a.Items[i].Size != b.Items[i].Size)
            {
                differences.Add(SceneAttribute.Size);
            }
        }

        if (a.Colour != b.Colour)
        {
            differences.Add(SceneAttribute.Colour);
        }

        if (a.Texture != b.Texture)
        {
            differences.Add(SceneAttribute.Texture);
        }

        if (a.Position != b.Position || a.Relation != b.Relation)
        {
            differences.Add(SceneAttribute.Position);
        }

        if (a.Count != b.Count)
        {
            differences.Add(SceneAttribute.Count);
        }

        return differences;
    }
}
