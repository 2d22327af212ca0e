using Diffusion.Engine;

namespace Diffusion.Lab.EngineBench;

/// <summary>
/// Loose/canonical prompt pairs in the emoji world's format (see models/MODEL_CARD.md), drawn from a small
/// grammar (objects, counts, sizes, positions, relations, colours, textures) with loose paraphrases (dropped
/// details, short forms, prefixes). Tops up a benchmark workload when the model folder's held-out set is
/// shorter than the load, so no two requests repeat one prompt (a repeated prompt would share all its blocks,
/// not only the instruction's, and flatter prefix sharing). Deterministic for a seed.
/// </summary>
public static class SyntheticExpansionPairs
{
    private static readonly (string One, string Many, string Short)[] Objects =
    [
        ("cat", "cats", "kitty"), ("dog", "dogs", "doggo"), ("car", "cars", "auto"), ("tree", "trees", "tree"),
        ("house", "houses", "house"), ("sun", "suns", "sun"), ("moon", "moons", "moon"), ("star", "stars", "star"),
        ("apple", "apples", "apple"), ("bicycle", "bicycles", "bike"), ("boat", "boats", "boat"), ("train", "trains", "train"),
        ("clock", "clocks", "clock"), ("umbrella", "umbrellas", "umbrella"), ("heart", "hearts", "heart"), ("rocket", "rockets", "rocket"),
        ("bird", "birds", "birdie"), ("fish", "fish", "fish"), ("flower", "flowers", "flower"), ("cup", "cups", "mug"),
        ("airplane", "airplanes", "plane"), ("bus", "buses", "bus"), ("truck", "trucks", "lorry"), ("horse", "horses", "pony"),
        ("banana", "bananas", "banana"), ("pizza", "pizzas", "pizza"), ("chair", "chairs", "chair"), ("teddy bear", "teddy bears", "teddy"),
    ];

    private static readonly string[] Positions =
        ["in the centre", "on the left", "on the right", "at the top", "at the bottom", "in the top left corner",
         "in the top right corner", "in the bottom left corner", "in the bottom right corner"];

    private static readonly string[] ShortPositions =
        ["middle", "left", "right", "top", "bottom", "top left", "top right", "bottom left", "bottom right"];

    private static readonly string[] Colours = ["red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "black", "white", "gray"];

    private static readonly string[] Textures = ["", "striped ", "dotted ", "gradient "];

    private static readonly string[] Relations = ["to the left of", "to the right of", "above", "below"];

    private static readonly string[] Prefixes = ["", "", "draw ", "show me ", "a picture of ", "please make "];

    private static readonly string[] Counts = ["a", "two", "three"];

    /// <summary><paramref name="count"/> pairs with distinct loose and distinct canonical prompts.</summary>
    public static IReadOnlyList<(string Loose, string Canonical)> Generate(int count, int seed, ISet<string>? taken = null)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>(taken ?? new HashSet<string>(), StringComparer.Ordinal);
        var pairs = new List<(string, string)>(count);
        for (int attempts = 0; pairs.Count < count; attempts++)
        {
            if (attempts > 100 * (count + 10))
            {
                throw new InvalidOperationException($"could not draw {count} distinct prompts");
            }

            (string loose, string canonical) = Draw(random);
            if (seen.Add(loose) && seen.Add("=" + canonical))
            {
                pairs.Add((loose, canonical));
            }
        }

        return pairs;
    }

    private static (string Loose, string Canonical) Draw(Random random)
    {
        string colour = Pick(random, Colours), texture = Pick(random, Textures);
        string background = $"on {Article(colour)} {colour} {texture}background";
        string looseBackground = random.Next(3) switch
        {
            0 => $"{texture}{colour} bg",
            1 => $"on {colour}",
            _ => "",
        };
        string prefix = Pick(random, Prefixes);
        var a = Objects[random.Next(Objects.Length)];
        switch (random.Next(3))
        {
            case 0:
            {
                int p = random.Next(Positions.Length);
                string size = Pick(random, ["small ", "large ", ""]);
                string canonical = $"{Article(size + a.One)} {size}{a.One} {Positions[p]} {background}";
                string loose = $"{prefix}{(random.Next(2) == 0 ? a.Short : size + a.One)} {ShortPositions[p]} {looseBackground}";
                return (Tidy(loose), canonical);
            }

            case 1:
            {
                int n = random.Next(1, Counts.Length);
                string canonical = $"{Counts[n]} {a.Many} {background}";
                string loose = $"{prefix}{(random.Next(2) == 0 ? (n + 1).ToString() : Counts[n])} {a.Many} {looseBackground}";
                return (Tidy(loose), canonical);
            }

            default:
            {
                var b = Objects[random.Next(Objects.Length)];
                string relation = Pick(random, Relations);
                string canonical = $"{Article(a.One)} {a.One} {relation} {Article(b.One)} {b.One} {background}";
                string loose = $"{prefix}{a.Short} {relation.Replace("to the ", "")} {b.Short} {looseBackground}";
                return (Tidy(loose), canonical);
            }
        }
    }

    private static string Pick(Random random, string[] options) => options[random.Next(options.Length)];

    private static string Article(string word) => "aeiou".Contains(word[0]) ? "an" : "a";

    private static string Tidy(string text) => string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
