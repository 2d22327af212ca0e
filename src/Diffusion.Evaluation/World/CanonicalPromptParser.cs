using System.Diagnostics.CodeAnalysis;

namespace Diffusion.Evaluation.World;

/// <summary>
/// Reads a canonical prompt back into its scene; anything that is not exactly a canonical prompt of
/// the world (wrong article, "medium" written out, unknown word, extra spaces) is refused. The
/// final check writes the parsed scene again and compares, so parse and write cannot drift apart.
/// </summary>
public sealed class CanonicalPromptParser(EmojiWorld world)
{
    private readonly CanonicalPromptWriter _writer = new(world);

    public EmojiWorld World { get; } = world;

    public bool TryParse(string prompt, [NotNullWhen(true)] out EmojiScene? scene)
    {
        scene = ParseLoose(prompt);
        if (scene is not null && _writer.Write(scene) != prompt)
        {
            scene = null;
        }

        return scene is not null;
    }

    /// <summary>
    /// The scene a prompt in the canonical grammar states, even when it is not spelt exactly as the writer would
    /// ("a apple", "one cat"); null for anything outside the grammar. For judging what a prompt asks for (the LLM's
    /// expansions), not for keys that must round-trip.
    /// </summary>
    public EmojiScene? ParseLenient(string prompt) => ParseLoose(prompt.Trim());

    /// <summary>The scene of a canonical prompt, or an exception saying why the text is not one.</summary>
    public EmojiScene Parse(string prompt) =>
        TryParse(prompt, out var scene) ? scene : throw new FormatException($"Not a canonical prompt of the emoji world: \"{prompt}\".");

    private EmojiScene? ParseLoose(string prompt)
    {
        var words = prompt.Split(' ').ToList();
        // ... on a[n] <colour> [<texture>] background
        if (words.Count < 6 || words[^1] != "background")
        {
            return null;
        }

        words.RemoveAt(words.Count - 1);
        var texture = EmojiWorld.SolidTexture;
        if (World.Textures.Contains(words[^1]) && words[^1] != EmojiWorld.SolidTexture)
        {
            texture = words[^1];
            words.RemoveAt(words.Count - 1);
        }

        var colour = words[^1];
        if (!World.Colours.Contains(colour) || words.Count < 4 || words[^2] is not ("a" or "an") || words[^3] != "on")
        {
            return null;
        }

        words.RemoveRange(words.Count - 3, 3);
        var subject = string.Join(' ', words);
        return ParseCount(words, colour, texture)
            ?? ParseRelation(subject, colour, texture)
            ?? ParseSingle(subject, colour, texture)
            ?? ParseList(subject, colour, texture);
    }

    private EmojiScene? ParseCount(List<string> words, string colour, string texture)
    {
        var count = CanonicalPromptWriter.CountWords.ToList().IndexOf(words[0]);
        if (count < 1)
        {
            return null;
        }

        var rest = words.Skip(1).ToList();
        var size = EmojiWorld.MediumSize;
        if (rest.Count > 1 && IsWrittenSize(rest[0]))
        {
            size = rest[0];
            rest.RemoveAt(0);
        }

        var noun = string.Join(' ', rest);
        WorldConcept? concept = null;
        var known = count == 1 ? World.TryGetConcept(noun, out concept) : World.TryGetConceptByPlural(noun, out concept);
        return known ? new EmojiScene(SceneKind.Count, [new SceneItem(concept!.Name, size)], colour, texture, Count: count) : null;
    }

    private EmojiScene? ParseRelation(string subject, string colour, string texture)
    {
        foreach (var (relation, phrase) in World.RelationPhrases)
        {
            var at = subject.IndexOf($" {phrase} ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var a = ParseObject(subject[..at]);
            var b = ParseObject(subject[(at + phrase.Length + 2)..]);
            if (a is not null && b is not null)
            {
                return new EmojiScene(SceneKind.Relation, [a.Value, b.Value], colour, texture, Relation: relation);
            }
        }

        return null;
    }

    private EmojiScene? ParseSingle(string subject, string colour, string texture)
    {
        foreach (var (position, phrase) in World.PositionPhrases)
        {
            if (subject.EndsWith(" " + phrase, StringComparison.Ordinal))
            {
                var item = ParseObject(subject[..^(phrase.Length + 1)]);
                if (item is not null)
                {
                    return new EmojiScene(SceneKind.Single, [item.Value], colour, texture, Position: position);
                }
            }
        }

        return null;
    }

    private EmojiScene? ParseList(string subject, string colour, string texture)
    {
        var and = subject.LastIndexOf(" and ", StringComparison.Ordinal);
        if (and < 0)
        {
            return null;
        }

        var parts = subject[..and].Split(", ").Append(subject[(and + 5)..]).ToList();
        if (parts.Count is not (2 or 3))
        {
            return null;
        }

        var items = new List<SceneItem>();
        foreach (var part in parts)
        {
            var item = ParseObject(part);
            if (item is null)
            {
                return null;
            }

            items.Add(item.Value);
        }

        return new EmojiScene(items.Count == 2 ? SceneKind.Pair : SceneKind.Triple, items, colour, texture);
    }

    /// <summary>"a small cat" → (cat, small); the article is checked by the final round trip.</summary>
    private SceneItem? ParseObject(string text)
    {
        var words = text.Split(' ').ToList();
        if (words.Count < 2 || words[0] is not ("a" or "an"))
        {
            return null;
        }

        words.RemoveAt(0);
        var size = EmojiWorld.MediumSize;
        if (words.Count > 1 && IsWrittenSize(words[0]))
        {
            size = words[0];
            words.RemoveAt(0);
        }

        var name = string.Join(' ', words);
        return World.TryGetConcept(name, out _) ? new SceneItem(name, size) : null;
    }

    private bool IsWrittenSize(string word) => word != EmojiWorld.MediumSize && World.Sizes.Contains(word);
}
