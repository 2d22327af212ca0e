namespace Diffusion.Cache.Scenes;

/// <summary>An object of a scene: its concept and size ("small", "medium" — never written — or "large").</summary>
public readonly record struct SceneItem(string Concept, string Size);

/// <summary>
/// The facts of a canonical emoji-world prompt (the grammar of models/training/prompts.py), sizes included:
/// <c>single</c> (one object at a position), <c>count</c> (1–3 copies), <c>relation</c> (A rel B),
/// <c>pair</c>/<c>triple</c> (unordered objects), on a coloured, optionally textured background.
/// </summary>
public sealed record EmojiScene(string Kind, IReadOnlyList<SceneItem> Items, string Colour, string Texture, string? Position = null,
    string? Relation = null, int Count = 1)
{
    public const string Single = "single";
    public const string CountKind = "count";
    public const string RelationKind = "relation";
    public const string Pair = "pair";
    public const string Triple = "triple";

    /// <summary>Value equality including the items (records compare lists by reference).</summary>
    public bool SameAs(EmojiScene other) =>
        Kind == other.Kind && Items.SequenceEqual(other.Items) && Colour == other.Colour && Texture == other.Texture
        && Position == other.Position && Relation == other.Relation && Count == other.Count;
}
