using System.Text.Json;

namespace Diffusion.Inference.Vocabulary;

/// <summary>One object the model draws: its name, plural, emoji and the other words that name it.</summary>
public sealed record VocabularyObject(string Name, string Plural, string Emoji, IReadOnlyList<string> Synonyms);

/// <summary>One colour, with the other words that name it.</summary>
public sealed record VocabularyColour(string Name, IReadOnlyList<string> Synonyms);

/// <summary>A named size and its height in pixels on the model's canvas.</summary>
public sealed record VocabularySize(string Name, int Pixels);

/// <summary>A named place (or relation) and the phrase a prompt uses for it.</summary>
public sealed record VocabularyPhrase(string Name, string Phrase);

/// <summary>
/// What a model trained on a closed world can draw: the shipped family's <c>world.json</c> (objects,
/// colours, textures, sizes, positions, relations). A Stable Diffusion export has none; then
/// <see cref="Load"/> returns null and nothing vocabulary-specific is offered.
/// </summary>
public sealed class ModelVocabulary
{
    public const string FileName = "world.json";

    public required int ImageSize { get; init; }
    public required IReadOnlyList<VocabularyObject> Objects { get; init; }
    public required IReadOnlyList<VocabularyColour> Colours { get; init; }
    public required IReadOnlyList<string> Textures { get; init; }
    public required IReadOnlyList<VocabularySize> Sizes { get; init; }
    public required IReadOnlyList<VocabularyPhrase> Positions { get; init; }
    public required IReadOnlyList<VocabularyPhrase> Relations { get; init; }

    /// <summary>The vocabulary beside a model (its folder's world.json), or null when it has none.</summary>
    /// <exception cref="InvalidDataException">world.json exists but is not a vocabulary.</exception>
    public static ModelVocabulary? Load(string modelRoot)
    {
        var path = Path.Combine(modelRoot, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            var vocabulary = new ModelVocabulary
            {
                ImageSize = root.GetProperty("image_size").GetInt32(),
                Objects = root.GetProperty("concepts").EnumerateArray().Select(c => new VocabularyObject(
                    c.GetProperty("name").GetString()!, c.GetProperty("plural").GetString()!, c.GetProperty("emoji").GetString()!,
                    Strings(c, "synonyms"))).ToList(),
                Colours = root.GetProperty("colours").EnumerateArray()
                    .Select(c => new VocabularyColour(c.GetProperty("name").GetString()!, Strings(c, "synonyms"))).ToList(),
                Textures = root.GetProperty("textures").EnumerateArray().Select(t => t.GetString()!).ToList(),
                Sizes = root.GetProperty("sizes").EnumerateObject().Select(s => new VocabularySize(s.Name, s.Value.GetInt32())).ToList(),
                Positions = Phrases(root, "positions", "position_phrases"),
                Relations = Phrases(root, "relations", "relation_phrases"),
            };
            if (vocabulary.Objects.Count == 0 || vocabulary.Colours.Count == 0)
                throw new InvalidDataException($"{path} names no objects or no colours.");
            return vocabulary;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path} is not a model vocabulary: {e.Message}", e);
        }
    }

    private static IReadOnlyList<string> Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToList() : [];

    private static IReadOnlyList<VocabularyPhrase> Phrases(JsonElement root, string names, string phrases)
    {
        var text = root.GetProperty(phrases);
        return root.GetProperty(names).EnumerateObject()
            .Select(p => new VocabularyPhrase(p.Name, text.TryGetProperty(p.Name, out var phrase) ? phrase.GetString()! : p.Name)).ToList();
    }
}
