namespace Diffusion.Inference.Vocabulary;

/// <summary>What the guard made of an expansion.</summary>
/// <param name="Prompt">The prompt to draw: the expansion when it kept the request, else the request's facts in the model's grammar.</param>
/// <param name="Corrected">The expansion dropped, swapped or invented an object, count, relation or named background, so the request's facts won.</param>
/// <param name="FilledIn">What the prompt adds that the request left open ("background", "texture", "size", "position").</param>
/// <param name="Warnings">Concepts of the request outside the model's vocabulary: left out, never replaced.</param>
public sealed record GuardedExpansion(string Prompt, bool Corrected, IReadOnlyList<string> FilledIn, IReadOnlyList<string> Warnings);

/// <summary>
/// Keeps an LLM expansion to what the request asked: the objects, counts and relation the request names
/// (and its background, when it names one) must come through unchanged; only what it leaves open may be
/// filled in. When the expansion disagrees, the request's own facts are written in the model's grammar,
/// with the expansion's fill-ins for the open parts. Unknown concepts are reported, not swapped.
/// </summary>
public sealed class ExpansionGuard(PromptVocabulary vocabulary)
{
    private readonly PromptFactsParser parser = vocabulary.Parser;

    public PromptFactsParser Parser => parser;

    public GuardedExpansion Guard(string request, string expansion)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(expansion);
        var asked = parser.Parse(request);
        var expanded = parser.Parse(expansion);
        var warnings = asked.UnknownWords
            .Select(w => $"“{w}” is not in this model's vocabulary; it was left out, not replaced by another object.")
            .ToList();

        var keeps = asked.SameSubject(expanded)
                    && (asked.Background is null || asked.Background == expanded.Background)
                    && (asked.Objects.Count > 0 || expanded.Objects.Count == 0)
                    && !string.IsNullOrWhiteSpace(expansion);
        if (keeps)
        {
            return new GuardedExpansion(expansion.Trim(), false, FilledIn(asked, expanded), warnings);
        }
        if (asked.Objects.Count == 0)
        {
            // Nothing the model knows to draw: the request's own words, not an object it did not ask for.
            return new GuardedExpansion(request.Trim(), true, [], warnings);
        }
        var merged = asked with
        {
            Background = asked.Background ?? expanded.Background,
            Texture = asked.Texture ?? (asked.Background is null ? expanded.Texture : null),
            Position = asked.Position ?? (asked.Objects.Count == 1 && asked.Objects[0].Count == 1 ? expanded.Position : null),
            Objects = asked.Objects.Select(o => o.Size is null && expanded.Objects.FirstOrDefault(e => e.Name == o.Name) is { Size: { } size }
                ? o with { Size = size } : o).ToList(),
        };
        return new GuardedExpansion(merged.ToPrompt(vocabulary.Vocabulary), true, FilledIn(asked, merged), warnings);
    }

    private static List<string> FilledIn(PromptFacts asked, PromptFacts result)
    {
        var filled = new List<string>();
        if (asked.Background is null && result.Background is not null) filled.Add("background");
        if (asked.Texture is null && result.Texture is not null and not "solid") filled.Add("texture");
        if (asked.Objects.All(o => o.Size is null) && result.Objects.Any(o => o.Size is not null)) filled.Add("size");
        if (asked.Position is null && result.Position is not null) filled.Add("position");
        return filled;
    }
}
