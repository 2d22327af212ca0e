using System.Text.RegularExpressions;

namespace Diffusion.Inference.Vocabulary;

/// <summary>What a prompt names in a model's vocabulary, and the words the model does not know.</summary>
/// <param name="Objects">Canonical names of the objects the prompt names, in order, repeats kept.</param>
/// <param name="UnknownWords">Words outside the vocabulary and the prompt grammar (distinct, in order): the model ignores them.</param>
public sealed record VocabularyCheck(IReadOnlyList<string> Objects, IReadOnlyList<string> UnknownWords);

/// <summary>
/// Reads prompts against a <see cref="ModelVocabulary"/>: which objects they name (by name, plural,
/// synonym or emoji, longest phrase first) and which words fall outside everything the model was
/// trained on. Words of the prompt grammar (articles, counts, "on a … background") are known words.
/// </summary>
public sealed partial class PromptVocabulary
{
    // The training prompts' own function words; anything else unknown is reported, not guessed at.
    private static readonly string[] GrammarWords =
    [
        "a", "an", "the", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "on", "in", "at", "of", "to", "and", "with", "background", "corner", "side", "next",
    ];

    // Objects that the shipped model draws well, preferred for the example prompts when the vocabulary has them.
    private static readonly string[] ExampleObjects = ["cat", "dog", "car", "apple", "pizza", "bus", "fish", "house", "tree", "banana"];

    private readonly ModelVocabulary vocabulary;
    private readonly Dictionary<string, string> objectPhrases = new(StringComparer.Ordinal);
    private readonly HashSet<string> knownWords = new(StringComparer.Ordinal);
    private readonly List<(string Emoji, string Name)> emoji;
    private readonly int longestPhrase;

    public PromptVocabulary(ModelVocabulary vocabulary)
    {
        this.vocabulary = vocabulary;
        foreach (var o in vocabulary.Objects)
        {
            foreach (var phrase in new[] { o.Name, o.Plural }.Concat(o.Synonyms).Concat(o.Synonyms.Select(Plural)))
                objectPhrases.TryAdd(Normalise(phrase), o.Name);
        }
        longestPhrase = objectPhrases.Keys.Max(p => p.Split(' ').Length);
        foreach (var word in GrammarWords
                     .Concat(vocabulary.Colours.SelectMany(c => c.Synonyms.Prepend(c.Name)))
                     .Concat(vocabulary.Textures)
                     .Concat(vocabulary.Sizes.Select(s => s.Name))
                     .Concat(vocabulary.Positions.SelectMany(p => new[] { p.Name, p.Phrase }))
                     .Concat(vocabulary.Relations.SelectMany(r => new[] { r.Name, r.Phrase })))
        {
            foreach (var token in Normalise(word).Split(' ', StringSplitOptions.RemoveEmptyEntries)) knownWords.Add(token);
        }
        emoji = vocabulary.Objects.Select(o => (o.Emoji, o.Name)).OrderByDescending(e => e.Emoji.Length).ToList();
    }

    public ModelVocabulary Vocabulary => vocabulary;

    public VocabularyCheck Check(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt;
        foreach (var (symbol, name) in emoji) text = text.Replace(symbol, " " + name + " ", StringComparison.Ordinal);
        var tokens = Words().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

        var objects = new List<string>();
        var unknown = new List<string>();
        for (var i = 0; i < tokens.Length;)
        {
            var matched = false;
            for (var n = Math.Min(longestPhrase, tokens.Length - i); n >= 1 && !matched; n--)
            {
                if (objectPhrases.TryGetValue(string.Join(' ', tokens, i, n), out var name))
                {
                    objects.Add(name);
                    i += n;
                    matched = true;
                }
            }
            if (matched) continue;
            var token = tokens[i++];
            if (!knownWords.Contains(token) && !token.All(char.IsAsciiDigit) && !unknown.Contains(token)) unknown.Add(token);
        }
        return new VocabularyCheck(objects, unknown);
    }

    /// <summary>A handful of prompts in the model's grammar: a placed single, a texture, a pair, a count.</summary>
    public IReadOnlyList<string> ExamplePrompts()
    {
        var objects = ExampleObjects.Select(n => vocabulary.Objects.FirstOrDefault(o => o.Name == n)).OfType<VocabularyObject>()
            .Concat(vocabulary.Objects).Distinct().Take(6).ToList();
        while (objects.Count < 6) objects.Add(objects[objects.Count % Math.Max(1, objects.Count)]);
        string Colour(int i) => vocabulary.Colours[i % vocabulary.Colours.Count].Name;
        string Size(int i) => vocabulary.Sizes.Count == 0 ? "" : vocabulary.Sizes[i % vocabulary.Sizes.Count].Name + " ";
        string Place(int i) => vocabulary.Positions.Count == 0 ? "" : " " + vocabulary.Positions[i % vocabulary.Positions.Count].Phrase;
        var relation = vocabulary.Relations.Count == 0 ? "and" : vocabulary.Relations[0].Phrase;
        var texture = vocabulary.Textures.FirstOrDefault(t => t != "solid");

        var examples = new List<string>
        {
            $"{Article(Size(2))}{Size(2)}{objects[0].Name}{Place(0)} on {Article(Colour(4))}{Colour(4)} background",
            $"{Article(Size(0))}{Size(0)}{objects[1].Name}{Place(6)} on {Article(Colour(1))}{Colour(1)}{(texture is null ? "" : " " + texture)} background",
            $"{Article(objects[2].Name)}{objects[2].Name} {relation} {Article(objects[3].Name)}{objects[3].Name} on {Article(Colour(7))}{Colour(7)} background",
            $"three {objects[4].Plural} on {Article(Colour(9))}{Colour(9)} background",
        };
        return examples.Select(e => Regex.Replace(e, " {2,}", " ")).ToList();
    }

    private static string Article(string next) => next.Length == 0 ? "" : "aeiou".Contains(next[0], StringComparison.Ordinal) ? "an " : "a ";

    private static string Plural(string word) =>
        word.EndsWith('s') || word.EndsWith('x') || word.EndsWith("ch", StringComparison.Ordinal) || word.EndsWith("sh", StringComparison.Ordinal)
            ? word + "es" : word + "s";

    private static string Normalise(string phrase) =>
        string.Join(' ', Words().Matches(phrase.ToLowerInvariant()).Select(m => m.Value));

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Words();
}
