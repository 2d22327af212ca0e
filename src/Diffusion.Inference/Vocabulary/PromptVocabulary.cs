using System.Text.RegularExpressions;

namespace Diffusion.Inference.Vocabulary;

/// <summary>What a prompt names in a model's vocabulary, and the words the model does not know.</summary>
/// <param name="Objects">Canonical names of the objects the prompt names, in order, repeats kept.</param>
/// <param name="UnknownWords">Words outside the vocabulary and the prompt grammar (distinct, in order): the model ignores them.</param>
public sealed record VocabularyCheck(IReadOnlyList<string> Objects, IReadOnlyList<string> UnknownWords);

/// <summary>
/// A <see cref="ModelVocabulary"/> put to use on prompts: which objects a prompt names and which of its
/// words the model does not know (read by <see cref="PromptFactsParser"/>), and example prompts in the
/// model's grammar.
/// </summary>
public sealed class PromptVocabulary
{
    // Objects that the shipped model draws well, preferred for the example prompts when the vocabulary has them.
    private static readonly string[] ExampleObjects = ["cat", "dog", "car", "apple", "pizza", "bus", "fish", "house", "tree", "banana"];

    private readonly ModelVocabulary vocabulary;
    private readonly PromptFactsParser parser;

    public PromptVocabulary(ModelVocabulary vocabulary)
    {
        this.vocabulary = vocabulary ?? throw new ArgumentNullException(nameof(vocabulary));
        parser = new PromptFactsParser(this);
    }

    public ModelVocabulary Vocabulary => vocabulary;

    public PromptFactsParser Parser => parser;

    public VocabularyCheck Check(string prompt)
    {
        var facts = parser.Parse(prompt);
        return new VocabularyCheck(facts.Objects.Select(o => o.Name).ToList(), facts.UnknownWords);
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

}
