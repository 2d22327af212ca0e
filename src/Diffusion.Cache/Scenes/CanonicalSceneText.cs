namespace Diffusion.Cache.Scenes;

/// <summary>Writes and parses canonical emoji-world prompts exactly (sizes included), e.g.
/// "a large cat in the top left corner on a blue background", "two small dogs on a red striped background".</summary>
public sealed class CanonicalSceneText(EmojiWorld world)
{
    private static readonly string[] CountWords = ["", "one", "two", "three"];
    private readonly EmojiWorld _world = world ?? throw new ArgumentNullException(nameof(world));

    public EmojiWorld World => _world;

    public static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    public string Write(EmojiScene scene)
    {
        var background = scene.Texture == "solid" ? $"{scene.Colour} background" : $"{scene.Colour} {scene.Texture} background";
        var bg = $"on {Article(scene.Colour)} {background}";
        var items = scene.Items;
        return scene.Kind switch
        {
            EmojiScene.Single => $"{Object(items[0])} {_world.PositionPhrases[scene.Position!]} {bg}",
            EmojiScene.CountKind => $"{CountWords[scene.Count]} {SizeWord(items[0].Size)}{(scene.Count == 1 ? items[0].Concept : _world.PluralOf[items[0].Concept])} {bg}",
            EmojiScene.RelationKind => $"{Object(items[0])} {_world.RelationPhrases[scene.Relation!]} {Object(items[1])} {bg}",
            EmojiScene.Pair or EmojiScene.Triple => $"{List(items.Select(Object).ToArray())} {bg}",
            _ => throw new ArgumentException($"unknown scene kind '{scene.Kind}'.", nameof(scene)),
        };
    }

    /// <summary>The scene a canonical prompt states, or null when the text is not canonical.</summary>
    public EmojiScene? Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        const string suffix = " background";
        if (!text.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }
        var head = text[..^suffix.Length];
        var texture = "solid";
        foreach (var t in _world.Textures.Skip(1))
        {
            if (head.EndsWith(" " + t, StringComparison.Ordinal))
            {
                texture = t;
                head = head[..^(t.Length + 1)];
                break;
            }
        }
        var on = head.LastIndexOf(" on ", StringComparison.Ordinal);
        if (on < 0)
        {
            return null;
        }
        var colourWords = head[(on + 4)..].Split(' ');
        if (colourWords.Length != 2 || colourWords[0] != Article(colourWords[1]) || !_world.Colours.Contains(colourWords[1]))
        {
            return null;
        }
        var colour = colourWords[1];
        var body = head[..on];
        var words = body.Split(' ');
        var count = Array.IndexOf(CountWords, words[0]);
        if (count >= 1)
        {
            var rest = words.Skip(1).ToArray();
            var size = rest.Length > 1 && rest[0] is "small" or "large" ? rest[0] : "medium";
            var noun = string.Join(' ', size == "medium" ? rest : rest.Skip(1));
            var concept = count == 1 ? (_world.ConceptNames.Contains(noun) ? noun : null) : _world.ConceptOfPlural.GetValueOrDefault(noun);
            return concept is null ? null : new EmojiScene(EmojiScene.CountKind, [new SceneItem(concept, size)], colour, texture, Count: count);
        }
        foreach (var (relation, phrase) in _world.RelationPhrases)
        {
            var at = body.IndexOf($" {phrase} ", StringComparison.Ordinal);
            if (at > 0 && ParseObject(body[..at]) is { } a && ParseObject(body[(at + phrase.Length + 2)..]) is { } b)
            {
                return new EmojiScene(EmojiScene.RelationKind, [a, b], colour, texture, Relation: relation);
            }
        }
        foreach (var (position, phrase) in _world.PositionPhrases)
        {
            if (body.EndsWith(" " + phrase, StringComparison.Ordinal) && ParseObject(body[..^(phrase.Length + 1)]) is { } single)
            {
                return new EmojiScene(EmojiScene.Single, [single], colour, texture, Position: position);
            }
        }
        var and = body.LastIndexOf(" and ", StringComparison.Ordinal);
        if (and < 0)
        {
            return null;
        }
        var parts = body[..and].Split(", ").Append(body[(and + 5)..]).Select(ParseObject).ToList();
        if (parts.Count is < 2 or > 3 || parts.Any(p => p is null))
        {
            return null;
        }
        return new EmojiScene(parts.Count == 2 ? EmojiScene.Pair : EmojiScene.Triple, parts.Select(p => p!.Value).ToArray(), colour, texture);
    }

    private static string SizeWord(string size) => size == "medium" ? "" : size + " ";

    private static string Object(SceneItem item)
    {
        var words = SizeWord(item.Size) + item.Concept;
        return $"{Article(words)} {words}";
    }

    private static string List(string[] objects) =>
        objects.Length == 1 ? objects[0] : string.Join(", ", objects[..^1]) + " and " + objects[^1];

    private SceneItem? ParseObject(string text)
    {
        var words = text.Split(' ');
        if (words.Length < 2 || words[0] is not ("a" or "an"))
        {
            return null;
        }
        var size = words[1] is "small" or "large" && words.Length > 2 ? words[1] : "medium";
        var name = string.Join(' ', words.Skip(size == "medium" ? 1 : 2));
        if (!_world.ConceptNames.Contains(name) || words[0] != Article(string.Join(' ', words.Skip(1))))
        {
            return null;
        }
        return new SceneItem(name, size);
    }
}
