using System.Text.Json;

namespace Diffusion.Cache.Scenes;

/// <summary>The emoji world's vocabulary from models/world.json: what canonical prompts may name.</summary>
public sealed class EmojiWorld
{
    private EmojiWorld(IReadOnlyList<(string Name, string Plural)> concepts, IReadOnlyList<string> colours, IReadOnlyList<string> textures,
        IReadOnlyDictionary<string, string> positionPhrases, IReadOnlyDictionary<string, string> relationPhrases)
    {
        Concepts = concepts;
        Colours = colours;
        Textures = textures;
        PositionPhrases = positionPhrases;
        RelationPhrases = relationPhrases;
        PluralOf = concepts.ToDictionary(c => c.Name, c => c.Plural, StringComparer.Ordinal);
        ConceptOfPlural = concepts.GroupBy(c => c.Plural).ToDictionary(g => g.Key, g => g.First().Name, StringComparer.Ordinal);
        ConceptNames = concepts.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<(string Name, string Plural)> Concepts { get; }
    public IReadOnlyList<string> Colours { get; }

    /// <summary>"solid" first, then the patterned ones.</summary>
    public IReadOnlyList<string> Textures { get; }

    /// <summary>Position name ("top left") → phrase ("in the top left corner").</summary>
    public IReadOnlyDictionary<string, string> PositionPhrases { get; }

    /// <summary>Relation name ("left of") → phrase ("to the left of").</summary>
    public IReadOnlyDictionary<string, string> RelationPhrases { get; }

    public IReadOnlyDictionary<string, string> PluralOf { get; }
    public IReadOnlyDictionary<string, string> ConceptOfPlural { get; }
    public IReadOnlySet<string> ConceptNames { get; }

    public static IReadOnlyList<string> Sizes { get; } = ["small", "medium", "large"];

    public static EmojiWorld Load(string worldJsonPath)
    {
        if (!File.Exists(worldJsonPath))
        {
            throw new FileNotFoundException($"world description {worldJsonPath} not found (models/world.json).", worldJsonPath);
        }
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(worldJsonPath));
            var root = doc.RootElement;
            var concepts = root.GetProperty("concepts").EnumerateArray()
                .Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("plural").GetString()!)).ToArray();
            var colours = root.GetProperty("colours").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
            var textures = root.GetProperty("textures").EnumerateArray().Select(t => t.GetString()!).ToArray();
            var positions = root.GetProperty("position_phrases").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var relations = root.GetProperty("relation_phrases").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            if (concepts.Length < 3 || colours.Length < 2 || textures.Length == 0 || textures[0] != "solid" || positions.Count == 0 || relations.Count == 0)
            {
                throw new InvalidDataException($"{worldJsonPath}: the world needs concepts, colours, textures (solid first), positions and relations.");
            }
            return new EmojiWorld(concepts, colours, textures, positions, relations);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{worldJsonPath}: not a world description: {e.Message}", e);
        }
    }
}
