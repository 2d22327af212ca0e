namespace Diffusion.Evaluation.World;

/// <summary>The five shapes of canonical prompt (models/training/scene.py).</summary>
public enum SceneKind
{
    /// <summary>One object at an absolute position.</summary>
    Single,

    /// <summary>One, two or three copies of one object.</summary>
    Count,

    /// <summary>Object A to the left of / right of / above / below object B.</summary>
    Relation,

    /// <summary>Two different objects.</summary>
    Pair,

    /// <summary>Three different objects.</summary>
    Triple,
}

/// <summary>One object of a scene: a concept name and a size name.</summary>
public readonly record struct SceneItem(string Concept, string Size);

/// <summary>
/// A scene of the emoji world as a canonical prompt states it. <see cref="Position"/> is set for
/// <see cref="SceneKind.Single"/> only, <see cref="Relation"/> for <see cref="SceneKind.Relation"/>
/// only, and <see cref="Count"/> is 1 except for <see cref="SceneKind.Count"/>.
/// </summary>
public sealed record EmojiScene(
    SceneKind Kind,
    IReadOnlyList<SceneItem> Items,
    string Colour,
    string Texture,
    string? Position = null,
    string? Relation = null,
    int Count = 1)
{
    public bool Equals(EmojiScene? other) =>
        other is not null
        && Kind == other.Kind
        && Items.SequenceEqual(other.Items)
        && Colour == other.Colour
        && Texture == other.Texture
        && Position == other.Position
        && Relation == other.Relation
        && Count == other.Count;

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        foreach (var item in Items)
        {
            hash.Add(item);
        }

        hash.Add(Colour);
        hash.Add(Texture);
        hash.Add(Position);
        hash.Add(Relation);
        hash.Add(Count);
        return hash.ToHashCode();
    }

    /// <summary>A copy with item <paramref name="index"/> replaced.</summary>
    public EmojiScene WithItem(int index, SceneItem item)
    {
        var items = Items.ToArray();
        items[index] = item;
        return this with { Items = items };
    }
}
