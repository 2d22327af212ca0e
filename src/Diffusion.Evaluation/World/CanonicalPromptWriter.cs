namespace Diffusion.Evaluation.World;

/// <summary>
/// Writes the canonical prompt of a scene, the one phrasing the shipped model knows best. Mirrors
/// <c>canonical()</c> in models/training/prompts.py word for word: "an" before a vowel-initial next
/// word, medium size and solid texture never written, counts as "one" / "two" / "three".
/// </summary>
public sealed class CanonicalPromptWriter(EmojiWorld world)
{
    /// <summary>Count words of <see cref="SceneKind.Count"/> prompts, index = count.</summary>
    public static readonly IReadOnlyList<string> CountWords = ["", "one", "two", "three"];

    public EmojiWorld World { get; } = world;

    public string Write(EmojiScene scene)
    {
        var background = $"on {Article(scene.Colour)} {BackgroundPhrase(scene.Colour, scene.Texture)}";
        var items = scene.Items;
        switch (scene.Kind)
        {
            case SceneKind.Single:
                return $"{Object(items[0])} {World.PositionPhrase(scene.Position ?? throw Missing(scene, "position"))} {background}";
            case SceneKind.Count:
                if (scene.Count is < 1 or > 3)
                {
                    throw new ArgumentException($"A count scene holds 1 to 3 objects, not {scene.Count}.", nameof(scene));
                }

                var concept = World.Concept(items[0].Concept);
                var noun = scene.Count == 1 ? concept.Name : concept.Plural;
                return $"{CountWords[scene.Count]} {SizeWord(items[0].Size)}{noun} {background}";
            case SceneKind.Relation:
                return $"{Object(items[0])} {World.RelationPhrase(scene.Relation ?? throw Missing(scene, "relation"))} {Object(items[1])} {background}";
            case SceneKind.Pair:
                return $"{Object(items[0])} and {Object(items[1])} {background}";
            case SceneKind.Triple:
                return $"{Object(items[0])}, {Object(items[1])} and {Object(items[2])} {background}";
            default:
                throw new ArgumentOutOfRangeException(nameof(scene), scene.Kind, "Unknown scene kind.");
        }
    }

    /// <summary>"an" before a word starting with a vowel letter, else "a" (as prompts.py).</summary>
    public static string Article(string nextWord) => "aeiou".Contains(nextWord[0]) ? "an" : "a";

    private static string SizeWord(string size) => size == EmojiWorld.MediumSize ? "" : size + " ";

    private static string BackgroundPhrase(string colour, string texture) =>
        texture == EmojiWorld.SolidTexture ? $"{colour} background" : $"{colour} {texture} background";

    private string Object(SceneItem item)
    {
        var words = SizeWord(item.Size) + World.Concept(item.Concept).Name;
        return $"{Article(words)} {words}";
    }

    private static ArgumentException Missing(EmojiScene scene, string what) =>
        new($"A {scene.Kind} scene needs a {what}.", nameof(scene));
}
