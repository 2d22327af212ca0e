using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Evaluation;

/// <summary>One held-out evaluation prompt with the scene facts the judge checks
/// (written by models/training/evaluate.py to models/eval/heldout.jsonl).</summary>
public sealed record HeldOutPrompt(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("category")] string Category,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("loose")] string Loose,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("objects")] IReadOnlyList<string> Objects,
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("colour")] string Colour,
    [property: JsonPropertyName("texture")] string Texture,
    [property: JsonPropertyName("position")] string? Position,
    [property: JsonPropertyName("relation")] string? Relation,
    [property: JsonPropertyName("reference_cell")] int? ReferenceCell)
{
    /// <summary>Reads a heldout.jsonl file; a malformed line fails with its line number.</summary>
    public static IReadOnlyList<HeldOutPrompt> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"held-out set not found at {path}; it is written by models/training/evaluate.py.", path);
        }
        var list = new List<HeldOutPrompt>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                list.Add(JsonSerializer.Deserialize<HeldOutPrompt>(line)
                    ?? throw new InvalidDataException("empty record"));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: {e.Message}", e);
            }
        }
        return list;
    }
}
