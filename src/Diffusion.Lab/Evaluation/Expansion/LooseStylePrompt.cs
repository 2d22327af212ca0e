using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Lab.Evaluation.Expansion;

/// <summary>
/// One labelled loose prompt of models/eval/loose-styles.jsonl (written by models/eval/make_loose_styles.py):
/// its style, the objects it asks for as [name, count], the relation between the first two, and the concepts
/// it names that are outside the vocabulary.
/// </summary>
public sealed record LooseStylePrompt(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("style")] string Style,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("objects")] IReadOnlyList<JsonElement> ObjectPairs,
    [property: JsonPropertyName("relation")] string? Relation,
    [property: JsonPropertyName("oov")] IReadOnlyList<string> OutOfVocabulary)
{
    public IEnumerable<(string Name, int Count)> Objects => ObjectPairs.Select(p => (p[0].GetString()!, p[1].GetInt32()));

    public static IReadOnlyList<LooseStylePrompt> Load(string path)
    {
        var prompts = new List<LooseStylePrompt>();
        foreach (var (line, number) in File.ReadLines(path).Select((l, i) => (l, i + 1)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            prompts.Add(JsonSerializer.Deserialize<LooseStylePrompt>(line)
                        ?? throw new InvalidDataException($"{path}:{number}: not a loose-style prompt"));
        }
        return prompts;
    }
}
