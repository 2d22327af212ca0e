using System.Text;

namespace Diffusion.Inference.Vocabulary;

/// <summary>One object a prompt names: its canonical name, how many, and the size asked for it (null: not said).</summary>
public sealed record ObjectMention(string Name, int Count, string? Size);

/// <summary>
/// What a prompt asks of a closed-world model, in the vocabulary's own terms: the objects (with counts and
/// sizes), the relation between the first two, the background colour and texture, the place of a single
/// object, and the words the model does not know. Parsed by <see cref="PromptFactsParser"/>; written back
/// as a prompt in the training grammar by <see cref="ToPrompt"/>.
/// </summary>
public sealed record PromptFacts
{
    public IReadOnlyList<ObjectMention> Objects { get; init; } = [];

    /// <summary>A vocabulary relation name ("left of", "right of", "above", "below") between the first two objects.</summary>
    public string? Relation { get; init; }

    /// <summary>The background's colour (a vocabulary colour name).</summary>
    public string? Background { get; init; }

    /// <summary>The background's texture (a vocabulary texture).</summary>
    public string? Texture { get; init; }

    /// <summary>Where a single object stands (a vocabulary position name).</summary>
    public string? Position { get; init; }

    /// <summary>Content words outside the vocabulary and the prompt grammar, in order: the model ignores them.</summary>
    public IReadOnlyList<string> UnknownWords { get; init; } = [];

    /// <summary>Words read as another vocabulary word ("doggos → dog", "pizzza → pizza"), for the response and the logs.</summary>
    public IReadOnlyList<string> Readings { get; init; } = [];

    /// <summary>Whether two readings ask for the same objects (names and counts, in any order) and the same relation.</summary>
    public bool SameSubject(PromptFacts other) =>
        Relation == other.Relation
        && Objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.Sum(o => o.Count))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .SequenceEqual(other.Objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.Sum(o => o.Count))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal));

    /// <summary>The facts as a prompt in the model's grammar ("two small dogs and a pizza on a pink striped background").</summary>
    public string ToPrompt(ModelVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        string Noun(ObjectMention o)
        {
            var entry = vocabulary.Objects.First(v => v.Name == o.Name);
            var size = o.Size is null ? "" : o.Size + " ";
            return o.Count == 1 ? Article(size + entry.Name) + size + entry.Name : $"{NumberWord(o.Count)} {size}{entry.Plural}";
        }

        var text = new StringBuilder();
        if (Objects.Count == 1)
        {
            text.Append(Noun(Objects[0]));
            if (Position is not null && Objects[0].Count == 1)
                text.Append(' ').Append(vocabulary.Positions.FirstOrDefault(p => p.Name == Position)?.Phrase ?? Position);
        }
        else if (Objects.Count >= 2 && Relation is not null)
        {
            var phrase = vocabulary.Relations.FirstOrDefault(r => r.Name == Relation)?.Phrase ?? Relation;
            text.Append(Noun(Objects[0])).Append(' ').Append(phrase).Append(' ').Append(Noun(Objects[1]));
            foreach (var more in Objects.Skip(2)) text.Append(" and ").Append(Noun(more));
        }
        else if (Objects.Count >= 2)
        {
            var nouns = Objects.Select(Noun).ToList();
            text.Append(string.Join(", ", nouns[..^1])).Append(" and ").Append(nouns[^1]);
        }
        if (Background is not null || Texture is not null)
        {
            var background = string.Join(' ', new[] { Background, Texture == "solid" ? null : Texture, "background" }.OfType<string>());
            text.Append(text.Length == 0 ? "" : " ").Append("on ").Append(Article(background)).Append(background);
        }
        return text.ToString();
    }

    private static string Article(string next) => next.Length > 0 && "aeiou".Contains(next[0], StringComparison.Ordinal) ? "an " : "a ";

    private static string NumberWord(int n) => n switch
    {
        2 => "two", 3 => "three", 4 => "four", 5 => "five", 6 => "six", 7 => "seven", 8 => "eight", 9 => "nine", 10 => "ten",
        _ => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
