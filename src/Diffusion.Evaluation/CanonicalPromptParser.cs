using System.Text.Json;

namespace Diffusion.Evaluation;

/// <summary>The facts a canonical emoji-world prompt states (the grammar of models/training/prompts.py).</summary>
public sealed record CanonicalPrompt(string Kind, IReadOnlyList<(string Concept, int Count)> Objects, string Colour,
    string Texture, string? Position, string? Relation);

/// <summary>Parses canonical emoji-world prompts ("two small cats on a blue background", "a dog to the left of
/// a bicycle on a red striped background") into their facts; anything else parses to null.</summary>
public sealed class CanonicalPromptParser
{
    private static readonly string[] Textures = ["striped", "dotted", "gradient"];
    private static readonly Dictionary<string, int> CountWords = new() { ["one"] = 1, ["two"] = 2, ["three"] = 3 };
    private readonly HashSet<string> _concepts;
    private readonly Dictionary<string, string> _plurals;
    private readonly HashSet<string> _colours;
    private readonly Dictionary<string, string> _positionPhrases;   // phrase -> position
    private readonly Dictionary<string, string> _relationPhrases;   // phrase -> relation

    private CanonicalPromptParser(HashSet<string> concepts, Dictionary<string, string> plurals, HashSet<string> colours,
        Dictionary<string, string> positionPhrases, Dictionary<string, string> relationPhrases)
    {
        _concepts = concepts;
        _plurals = plurals;
        _colours = colours;
        _positionPhrases = positionPhrases;
        _relationPhrases = relationPhrases;
    }

    public static CanonicalPromptParser Load(string worldJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(worldJsonPath));
        var root = doc.RootElement;
        var concepts = new HashSet<string>(StringComparer.Ordinal);
        var plurals = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in root.GetProperty("concepts").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString()!;
            concepts.Add(name);
            plurals[c.GetProperty("plural").GetString()!] = name;
        }
        var colours = root.GetProperty("colours").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToHashSet();
        var positions = root.GetProperty("position_phrases").EnumerateObject().ToDictionary(p => p.Value.GetString()!, p => p.Name);
        var relations = root.GetProperty("relation_phrases").EnumerateObject().ToDictionary(p => p.Value.GetString()!, p => p.Name);
        return new CanonicalPromptParser(concepts, plurals, colours, positions, relations);
    }

    public CanonicalPrompt? Parse(string text)
    {
        text = text.Trim();
        const string suffix = " background";
        if (!text.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }
        var head = text[..^suffix.Length];
        var texture = "solid";
        foreach (var t in Textures)
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
        var body = head[..on];
        var colourWords = head[(on + 4)..].Split(' ');
        if (colourWords.Length != 2 || colourWords[0] is not ("a" or "an") || !_colours.Contains(colourWords[1]))
        {
            return null;
        }
        var colour = colourWords[1];
        var words = body.Split(' ');
        if (CountWords.TryGetValue(words[0], out var count))
        {
            var rest = words.Skip(words.Length > 2 && words[1] is "small" or "large" ? 2 : 1);
            var noun = string.Join(' ', rest);
            var concept = count == 1 ? (_concepts.Contains(noun) ? noun : null) : _plurals.GetValueOrDefault(noun);
            return concept is null ? null : new CanonicalPrompt("count", [(concept, count)], colour, texture, null, null);
        }
        foreach (var (phrase, relation) in _relationPhrases)
        {
            var at = body.IndexOf($" {phrase} ", StringComparison.Ordinal);
            if (at > 0 && ParseObject(body[..at]) is { } a && ParseObject(body[(at + phrase.Length + 2)..]) is { } b)
            {
                return new CanonicalPrompt("relation", [(a, 1), (b, 1)], colour, texture, null, relation);
            }
        }
        foreach (var (phrase, position) in _positionPhrases)
        {
            if (body.EndsWith(" " + phrase, StringComparison.Ordinal) && ParseObject(body[..^(phrase.Length + 1)]) is { } single)
            {
                return new CanonicalPrompt("single", [(single, 1)], colour, texture, position, null);
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
        return new CanonicalPrompt(parts.Count == 2 ? "pair" : "triple", parts.Select(p => (p!, 1)).ToList(), colour, texture, null, null);
    }

    private string? ParseObject(string text)
    {
        var words = text.Split(' ');
        if (words.Length < 2 || words[0] is not ("a" or "an"))
        {
            return null;
        }
        var skip = words[1] is "small" or "large" ? 2 : 1;
        var name = string.Join(' ', words.Skip(skip));
        return _concepts.Contains(name) ? name : null;
    }
}
