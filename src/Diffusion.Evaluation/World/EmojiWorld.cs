using System.Text.Json;

namespace Diffusion.Evaluation.World;

/// <summary>One object kind of the emoji world: its canonical singular and plural.</summary>
public sealed record WorldConcept(string Name, string Plural);

/// <summary>
/// The vocabulary of the emoji world, read from <c>models/world.json</c> (written by
/// models/training/world.py): concepts, background colours and textures, sizes, absolute positions
/// and pairwise relations with the phrases canonical prompts use for them.
/// </summary>
public sealed class EmojiWorld
{
    /// <summary>The texture that canonical prompts leave unsaid.</summary>
    public const string SolidTexture = "solid";

    /// <summary>The size that canonical prompts leave unsaid.</summary>
    public const string MediumSize = "medium";

    private readonly Dictionary<string, WorldConcept> _conceptsByName;
    private readonly Dictionary<string, WorldConcept> _conceptsByPlural;

    private EmojiWorld(
        IReadOnlyList<WorldConcept> concepts,
        IReadOnlyList<string> colours,
        IReadOnlyList<string> textures,
        IReadOnlyList<string> sizes,
        IReadOnlyDictionary<string, int> sizePixels,
        IReadOnlyList<KeyValuePair<string, string>> positionPhrases,
        IReadOnlyList<KeyValuePair<string, string>> relationPhrases)
    {
        Concepts = concepts;
        Colours = colours;
        Textures = textures;
        Sizes = sizes;
        SizePixels = sizePixels;
        PositionPhrases = positionPhrases;
        RelationPhrases = relationPhrases;
        _conceptsByName = concepts.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _conceptsByPlural = new Dictionary<string, WorldConcept>(StringComparer.Ordinal);
        foreach (var c in concepts)
        {
            // "sheep" and "fish" are their own plurals; the first concept claiming a plural keeps it
            _conceptsByPlural.TryAdd(c.Plural, c);
        }
    }

    public IReadOnlyList<WorldConcept> Concepts { get; }

    public IReadOnlyList<string> Colours { get; }

    /// <summary>Background textures, <see cref="SolidTexture"/> included.</summary>
    public IReadOnlyList<string> Textures { get; }

    /// <summary>Object sizes, <see cref="MediumSize"/> included.</summary>
    public IReadOnlyList<string> Sizes { get; }

    /// <summary>Size name to the object's height in pixels.</summary>
    public IReadOnlyDictionary<string, int> SizePixels { get; }

    /// <summary>Absolute position name to its phrase ("top left" → "in the top left corner"), in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> PositionPhrases { get; }

    /// <summary>Relation name to its phrase ("left of" → "to the left of"), in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RelationPhrases { get; }

    public bool TryGetConcept(string name, out WorldConcept concept) =>
        _conceptsByName.TryGetValue(name, out concept!);

    public bool TryGetConceptByPlural(string plural, out WorldConcept concept) =>
        _conceptsByPlural.TryGetValue(plural, out concept!);

    public WorldConcept Concept(string name) =>
        _conceptsByName.TryGetValue(name, out var c) ? c : throw new ArgumentException($"'{name}' is not a concept of the emoji world.", nameof(name));

    public string PositionPhrase(string position) => Phrase(PositionPhrases, position, "position");

    public string RelationPhrase(string relation) => Phrase(RelationPhrases, relation, "relation");

    /// <summary>
    /// The same world with only some concepts, background colours and textures (a prompt mix that shifts to new
    /// objects and backgrounds); sizes, positions and relations stay. Every prompt of the subset is a prompt of this world.
    /// </summary>
    public EmojiWorld Subset(Func<WorldConcept, bool> concept, Func<string, bool> colour, Func<string, bool> texture)
    {
        var concepts = Concepts.Where(concept).ToArray();
        var colours = Colours.Where(colour).ToArray();
        // solid stays: canonical prompts leave it unsaid, so every world needs it
        var textures = Textures.Where(t => t == SolidTexture || texture(t)).ToArray();
        if (concepts.Length < 3 || colours.Length == 0)
        {
            throw new ArgumentException($"a world needs at least three concepts (scenes of three objects) and a colour; the subset has {concepts.Length} and {colours.Length}.");
        }
        return new EmojiWorld(concepts, colours, textures, Sizes, SizePixels, PositionPhrases, RelationPhrases);
    }

    /// <summary>Reads and validates a world file; a missing or malformed file gets a clear error.</summary>
    public static EmojiWorld Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The emoji world file '{path}' does not exist (it is models/world.json in the repository).", path);
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the JSON text of a world file.</summary>
    public static EmojiWorld Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"the world file is not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            var concepts = ArrayOf(root, "concepts").Select(c => new WorldConcept(Text(c, "name"), Text(c, "plural"))).ToList();
            var colours = ArrayOf(root, "colours").Select(c => Text(c, "name")).ToList();
            var textures = ArrayOf(root, "textures").Select(t => t.GetString() ?? "").ToList();
            var sizePixels = ObjectOf(root, "sizes").EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var px) && px > 0
                    ? px
                    : throw new InvalidDataException($"the size '{p.Name}' needs a positive pixel count"));
            var sizes = sizePixels.Keys.ToList();
            var positions = ObjectOf(root, "position_phrases").EnumerateObject()
                .Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? "")).ToList();
            var relations = ObjectOf(root, "relation_phrases").EnumerateObject()
                .Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? "")).ToList();

            Require(concepts.Count >= 3, "needs at least three concepts (triples use three different ones)");
            Require(colours.Count >= 2, "needs at least two colours");
            Require(textures.Contains(SolidTexture), $"the textures must include '{SolidTexture}'");
            Require(sizes.Contains(MediumSize), $"the sizes must include '{MediumSize}'");
            Require(positions.Count >= 2, "needs at least two position phrases");
            Require(relations.Count >= 2, "needs at least two relation phrases");
            RequireWords(concepts.Select(c => c.Name).Concat(concepts.Select(c => c.Plural)), "concept");
            RequireSingleWords(colours, "colour");
            RequireSingleWords(textures, "texture");
            RequireSingleWords(sizes, "size");
            RequireWords(positions.Select(p => p.Value), "position phrase");
            RequireWords(relations.Select(p => p.Value), "relation phrase");
            RequireDistinct(concepts.Select(c => c.Name), "concept");
            RequireDistinct(colours, "colour");
            return new EmojiWorld(concepts, colours, textures, sizes, sizePixels, positions, relations);
        }
    }

    private static string Phrase(IReadOnlyList<KeyValuePair<string, string>> phrases, string key, string what)
    {
        foreach (var p in phrases)
        {
            if (p.Key == key)
            {
                return p.Value;
            }
        }

        throw new ArgumentException($"'{key}' is not a {what} of the emoji world.", nameof(key));
    }

    private static IEnumerable<JsonElement> ArrayOf(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"the world file needs an array '{name}'");
        }

        return e.EnumerateArray().ToList();
    }

    private static JsonElement ObjectOf(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"the world file needs an object '{name}'");
        }

        return e;
    }

    private static string Text(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException($"every entry needs a string '{name}'");
        }

        return v.GetString()!;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }

    private static void RequireWords(IEnumerable<string> values, string what)
    {
        foreach (var v in values)
        {
            // canonical prompts are single-spaced lower-case words; anything else could not round-trip
            Require(v.Length > 0 && v == v.Trim() && !v.Contains("  ", StringComparison.Ordinal) && v == v.ToLowerInvariant(),
                $"the {what} '{v}' must be lower-case words separated by single spaces");
        }
    }

    private static void RequireSingleWords(IEnumerable<string> values, string what)
    {
        foreach (var v in values)
        {
            Require(v.Length > 0 && !v.Contains(' ') && v == v.ToLowerInvariant(), $"the {what} '{v}' must be one lower-case word");
        }
    }

    private static void RequireDistinct(IEnumerable<string> values, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            Require(seen.Add(v), $"the {what} '{v}' appears twice");
        }
    }
}
