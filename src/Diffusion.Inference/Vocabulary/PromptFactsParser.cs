using System.Text.RegularExpressions;

namespace Diffusion.Inference.Vocabulary;

/// <summary>
/// Reads what a loosely written prompt asks of a closed-world model (<see cref="PromptFacts"/>): objects by
/// name, plural, synonym, emoji, common slang and diminutives ("doggos", "fishies", "kitty"), plurals the
/// vocabulary lacks ("sheeps") and one-letter typos; counts as words or digits; sizes; relations; the
/// background ("pink bg", "on a blue striped background", a trailing "…, blue"); a single object's place.
/// A hand-written reader because the vocabulary is the model's own closed world: no general NLP library
/// knows which 94 objects it draws, and the rules here are few and tested.
/// </summary>
public sealed partial class PromptFactsParser
{
    // English words for objects that the vocabulary spells otherwise; a target must exist in the vocabulary.
    private static readonly Dictionary<string, string> Slang = new(StringComparer.Ordinal)
    {
        ["doggo"] = "dog", ["doggos"] = "dog", ["doggie"] = "dog", ["doggies"] = "dog", ["pupper"] = "dog", ["puppers"] = "dog",
        ["pup"] = "dog", ["pups"] = "dog", ["puppies"] = "dog", ["pooch"] = "dog",
        ["kitties"] = "cat", ["kittens"] = "cat", ["kittie"] = "cat", ["kitteh"] = "cat", ["catto"] = "cat", ["pussycat"] = "cat",
        ["fishie"] = "fish", ["fishies"] = "fish", ["fishy"] = "fish", ["birb"] = "bird", ["birbs"] = "bird", ["birdies"] = "bird",
        ["bunnies"] = "rabbit", ["bunny"] = "rabbit", ["horsey"] = "horse", ["horsie"] = "horse", ["ponies"] = "horse",
        ["piggies"] = "pig", ["froggy"] = "frog", ["froggie"] = "frog", ["duckie"] = "duck", ["ducky"] = "duck", ["sheepies"] = "sheep",
        ["moo"] = "cow", ["cows"] = "cow", ["teddies"] = "teddy bear", ["telly"] = "tv", ["cellphone"] = "phone", ["iphone"] = "phone",
        ["bicycles"] = "bicycle", ["bikes"] = "bicycle", ["motorbikes"] = "motorcycle", ["planes"] = "airplane", ["aeroplanes"] = "airplane",
        ["choppers"] = "helicopter", ["tortoises"] = "turtle", ["toads"] = "frog", ["lambs"] = "sheep", ["pizzas"] = "pizza",
        ["sunny"] = "sun", ["starry"] = "star", ["cloudy"] = "cloud", ["flowers"] = "flower", ["trees"] = "tree",
    };

    // Emoji users type for an object whose vocabulary emoji is another one (faces for whole animals).
    private static readonly Dictionary<string, string> EmojiAliases = new(StringComparer.Ordinal)
    {
        ["🐶"] = "dog", ["🐱"] = "cat", ["🐰"] = "rabbit", ["🐷"] = "pig", ["🐮"] = "cow", ["🐴"] = "horse", ["🐵"] = "monkey",
        ["🐸"] = "frog", ["🐻"] = "bear", ["🐯"] = "lion", ["🌞"] = "sun", ["🌝"] = "moon", ["🌙"] = "moon", ["⭐"] = "star", ["🌟"] = "star",
        ["❤"] = "heart", ["🏠"] = "house", ["🌳"] = "tree", ["🌲"] = "tree", ["🌸"] = "flower", ["🌷"] = "flower", ["🚙"] = "car",
    };

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.Ordinal)
    {
        ["a"] = 1, ["an"] = 1, ["one"] = 1, ["single"] = 1, ["lone"] = 1,
        ["two"] = 2, ["pair"] = 2, ["couple"] = 2, ["both"] = 2, ["twin"] = 2, ["twins"] = 2,
        ["three"] = 3, ["trio"] = 3, ["triple"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8,
        ["nine"] = 9, ["ten"] = 10,
    };

    private static readonly Dictionary<string, string> Sizes = new(StringComparer.Ordinal)
    {
        ["small"] = "small", ["tiny"] = "small", ["little"] = "small", ["mini"] = "small", ["smol"] = "small", ["wee"] = "small",
        ["medium"] = "medium", ["large"] = "large", ["big"] = "large", ["huge"] = "large", ["giant"] = "large", ["massive"] = "large",
    };

    private static readonly Dictionary<string, string> Textures = new(StringComparer.Ordinal)
    {
        ["striped"] = "striped", ["stripes"] = "striped", ["stripy"] = "striped", ["stripey"] = "striped",
        ["dotted"] = "dotted", ["dots"] = "dotted", ["dotty"] = "dotted", ["spotted"] = "dotted", ["spotty"] = "dotted", ["polka"] = "dotted",
        ["gradient"] = "gradient", ["fade"] = "gradient", ["faded"] = "gradient", ["ombre"] = "gradient",
        ["solid"] = "solid", ["plain"] = "solid",
    };

    private static readonly HashSet<string> BackgroundWords = new(StringComparer.Ordinal) { "background", "bg", "backdrop", "backround", "bakground" };

    // Words of requests and of the grammar that carry no fact: never unknown, never a warning.
    private static readonly HashSet<string> Filler = new(StringComparer.Ordinal)
    {
        "the", "on", "in", "at", "of", "to", "and", "with", "against", "corner", "side", "next", "by", "near", "beside", "together",
        "please", "pls", "plz", "thanks", "thx", "draw", "drawing", "paint", "painting", "show", "showing", "make", "create", "generate",
        "render", "give", "get", "me", "us", "i", "want", "need", "would", "like", "love", "can", "could", "you", "u", "pic", "picture",
        "image", "photo", "of", "some", "there", "is", "are", "be", "it", "its", "just", "only", "also", "very", "really", "so", "cute",
        "nice", "pretty", "lil", "little", "my", "your", "what", "about", "how", "maybe", "ok", "okay", "hey", "hi", "yo", "or", "that",
        "this", "these", "those", "for", "from", "into", "onto", "up", "sitting", "standing", "swimming", "flying", "floating",
        "hanging", "lying", "having", "day", "scene", "colour", "color", "colored", "coloured", "each", "other", "side-by-side",
        // common verbs one letter from an object ("look" / "book", "hear" / "bear"): never typos
        "look", "looks", "looking", "see", "seen", "hear", "watch", "hold", "holding", "play", "playing", "eat", "eating", "run", "running",
        "walk", "walking", "jump", "jumping", "sleep", "sleeping", "fly", "sit", "stand", "here", "where", "when", "which", "who", "will",
    };

    private readonly ModelVocabulary vocabulary;
    private readonly Dictionary<string, string> objectPhrases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> colourPhrases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> typoTargets = new(StringComparer.Ordinal);
    private readonly List<(string Symbol, string Name)> emoji;
    private readonly int longest;

    public PromptFactsParser(PromptVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        this.vocabulary = vocabulary.Vocabulary;
        foreach (var o in this.vocabulary.Objects)
        {
            foreach (var phrase in new[] { o.Name, o.Plural, RegularPlural(o.Name) }.Concat(o.Synonyms).Concat(o.Synonyms.Select(RegularPlural)))
                objectPhrases.TryAdd(Normalise(phrase), o.Name);
            // Typos are read only as a name or its plural: a synonym such as "cattle" is one letter from "castle".
            typoTargets.TryAdd(Normalise(o.Name), o.Name);
            typoTargets.TryAdd(Normalise(o.Plural), o.Name);
        }
        foreach (var (slang, target) in Slang)
        {
            if (this.vocabulary.Objects.Any(o => o.Name == target)) objectPhrases.TryAdd(slang, target);
        }
        foreach (var c in this.vocabulary.Colours)
        {
            foreach (var phrase in c.Synonyms.Prepend(c.Name)) colourPhrases.TryAdd(Normalise(phrase), c.Name);
        }
        colourPhrases.TryAdd("grey", "gray");
        longest = objectPhrases.Keys.Concat(colourPhrases.Keys).Max(p => p.Split(' ').Length);
        emoji = this.vocabulary.Objects.Select(o => (o.Emoji.Replace("\uFE0F", "", StringComparison.Ordinal), o.Name))
            .Concat(EmojiAliases.Where(a => this.vocabulary.Objects.Any(o => o.Name == a.Value)).Select(a => (a.Key, a.Value)))
            .Where(e => e.Item1.Length > 0).DistinctBy(e => e.Item1).OrderByDescending(e => e.Item1.Length).ToList();
    }

    public PromptFacts Parse(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var text = prompt.Replace("\uFE0F", "", StringComparison.Ordinal);   // emoji presentation selectors
        foreach (var (symbol, name) in emoji) text = text.Replace(symbol, " " + name + " ", StringComparison.Ordinal);
        var tokens = Tokens().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

        var objects = new List<ObjectMention>();
        var unknown = new List<string>();
        var readings = new List<string>();
        int? count = null;
        string? size = null, relation = null, background = null, weakBackground = null, texture = null, position = null;
        var relationAfter = -1;

        for (var i = 0; i < tokens.Length;)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Length ? tokens[i + 1] : null;
            var previous = i > 0 ? tokens[i - 1] : null;

            // A colour (also "orange", which is an object too) that names a background.
            if (MatchPhrase(colourPhrases, tokens, i) is { } colour)
            {
                var after = i + colour.Length;
                var then = after < tokens.Length ? tokens[after] : null;
                var thenTexture = then is not null && Textures.ContainsKey(then);
                var afterTexture = thenTexture && after + 1 < tokens.Length ? tokens[after + 1] : null;
                var namesBackground = (then is not null && BackgroundWords.Contains(then)) || (afterTexture is not null && BackgroundWords.Contains(afterTexture));
                var introduced = previous is "on" or "against" or "with" || (previous is "a" or "an" && i > 1 && tokens[i - 2] is "on" or "against" or "with");
                var beforeObject = then is not null && MatchObject(tokens, after, readings: null) is not null;
                // "an orange" is the fruit; "an orange cow" and "an orange orange" start with the colour.
                var isObject = colour.Name == "orange" && !namesBackground && !introduced && !thenTexture && !beforeObject
                               && MatchObject(tokens, i, null) is not null;
                if (!isObject)
                {
                    if (namesBackground || introduced || thenTexture) background = colour.Name;
                    else if (!beforeObject) weakBackground ??= colour.Name;   // "…, blue" or "pink" alone
                    if (thenTexture) { texture = Textures[then!]; after++; }
                    i = after;
                    continue;
                }
            }
            if (Relation(tokens, i) is { } rel && objects.Count > 0)
            {
                relation ??= rel.Name;
                relationAfter = objects.Count;
                i += rel.Length;
                continue;
            }
            if (Position(tokens, i) is { } place)
            {
                position ??= place.Name;
                i += place.Length;
                continue;
            }
            if (MatchObject(tokens, i, readings) is { } found)
            {
                var mentioned = new ObjectMention(found.Name, count ?? 1, size);
                if (objects.Count > 0 && objects[^1].Name == found.Name && count is null && size is null && relationAfter != objects.Count)
                    objects[^1] = objects[^1] with { Count = objects[^1].Count + 1 };   // "🐶🐶", "dog dog"
                else
                    objects.Add(mentioned);
                count = null;
                size = null;
                i += found.Length;
                continue;
            }
            if (int.TryParse(token, out var digits) && digits is > 0 and <= 10)
            {
                count = digits;
            }
            else if (Numbers.TryGetValue(token, out var n) && next == "of" && i + 2 < tokens.Length
                     && tokens[i + 2] is "them" or "those" or "these" && objects.Count > 0)
            {
                objects[^1] = objects[^1] with { Count = n };   // "apples, three of them"
                i += 3;
                continue;
            }
            else if (Numbers.TryGetValue(token, out n))
            {
                // "a pair of", "a couple of": the article belongs to the count word that follows
                if (!(n == 1 && next is "pair" or "couple" or "trio")) count = n;
            }
            else if (Sizes.TryGetValue(token, out var s))
            {
                size = s;
            }
            else if (Textures.TryGetValue(token, out var t))
            {
                texture = t;
            }
            else if (!BackgroundWords.Contains(token) && !Filler.Contains(token) && !token.All(char.IsAsciiDigit)
                     && token.Length > 1 && !unknown.Contains(token))
            {
                unknown.Add(token);
            }
            i++;
        }

        // A relation needs an object on each side.
        if (relation is not null && objects.Count < 2) relation = null;
        return new PromptFacts
        {
            Objects = objects,
            Relation = relation,
            Background = background ?? weakBackground,
            Texture = texture,
            Position = objects.Count == 1 ? position : null,
            UnknownWords = unknown,
            Readings = readings,
        };
    }

    private (string Name, int Length)? MatchPhrase(Dictionary<string, string> phrases, string[] tokens, int i)
    {
        for (var n = Math.Min(longest, tokens.Length - i); n >= 1; n--)
        {
            if (phrases.TryGetValue(string.Join(' ', tokens, i, n), out var name)) return (name, n);
        }
        return null;
    }

    private (string Name, int Length)? MatchObject(string[] tokens, int i, List<string>? readings)
    {
        if (MatchPhrase(objectPhrases, tokens, i) is { } exact) return exact;
        var token = tokens[i];
        if (token.Length < 3 || Filler.Contains(token) || Numbers.ContainsKey(token) || Sizes.ContainsKey(token) || Textures.ContainsKey(token)
            || BackgroundWords.Contains(token) || colourPhrases.ContainsKey(token))
        {
            return null;
        }
        foreach (var stem in Stems(token))
        {
            if (objectPhrases.TryGetValue(stem, out var name))
            {
                readings?.Add($"{token} → {name}");
                return (name, 1);
            }
        }
        if (token.Length >= 4 && Typo(token) is { } corrected)
        {
            readings?.Add($"{token} → {corrected}");
            return (corrected, 1);
        }
        return null;
    }

    // Plurals the vocabulary does not list ("sheeps", "boxes", "ponies") and diminutives ("doggo", "froggy").
    private static IEnumerable<string> Stems(string token)
    {
        if (token.EndsWith("ies", StringComparison.Ordinal)) yield return token[..^3] + "y";
        if (token.EndsWith("es", StringComparison.Ordinal)) yield return token[..^2];
        if (token.EndsWith('s')) yield return token[..^1];
        foreach (var suffix in new[] { "ies", "ie", "y", "os", "o" })
        {
            if (token.Length > suffix.Length + 2 && token.EndsWith(suffix, StringComparison.Ordinal))
            {
                var stem = token[..^suffix.Length];
                yield return stem;
                if (stem.Length >= 3 && stem[^1] == stem[^2]) yield return stem[..^1];   // doggo → dogg → dog
            }
        }
    }

    // One edit (insert, delete, replace or swap) from exactly one object word: "pizzza", "elephnat", "giraffee".
    private string? Typo(string token)
    {
        string? match = null;
        foreach (var (word, name) in typoTargets)
        {
            if (word.Contains(' ', StringComparison.Ordinal) || Math.Abs(word.Length - token.Length) > 1 || word.Length < 4
                || !WithinOneEdit(token, word)) continue;
            if (match is not null && match != name) return null;   // ambiguous: leave it unknown
            match = name;
        }
        return match;
    }

    private static bool WithinOneEdit(string a, string b)
    {
        if (a == b) return true;
        if (a.Length == b.Length)
        {
            var diffs = Enumerable.Range(0, a.Length).Where(k => a[k] != b[k]).ToList();
            return diffs.Count == 1 || (diffs.Count == 2 && diffs[1] == diffs[0] + 1 && a[diffs[0]] == b[diffs[1]] && a[diffs[1]] == b[diffs[0]]);
        }
        var (longer, shorter) = a.Length > b.Length ? (a, b) : (b, a);
        for (var k = 0; k < longer.Length; k++)
        {
            if (string.CompareOrdinal(longer.Remove(k, 1), shorter) == 0) return true;
        }
        return false;
    }

    private static (string Name, int Length)? Relation(string[] tokens, int i)
    {
        string At(int k) => i + k < tokens.Length ? tokens[i + k] : "";
        return At(0) switch
        {
            "left" when At(1) == "of" => ("left of", 2),
            "right" when At(1) == "of" => ("right of", 2),
            "above" or "over" or "atop" => ("above", 1),
            "on" when At(1) == "top" && At(2) == "of" => ("above", 3),
            "below" or "under" or "beneath" or "underneath" => ("below", 1),
            _ => null,
        };
    }

    private (string Name, int Length)? Position(string[] tokens, int i)
    {
        string At(int k) => i + k < tokens.Length ? tokens[i + k] : "";
        var vertical = At(0) switch { "top" or "upper" => "top", "bottom" or "lower" => "bottom", _ => null };
        if (vertical is not null && At(1) is "left" or "right") return ($"{vertical} {At(1)}", 2);
        if (vertical is not null) return (vertical, 1);
        if (At(0) is "left" or "right" && At(1) != "of") return (At(0), 1);
        if (At(0) is "center" or "centre" or "middle" or "centered" or "centred") return ("center", 1);
        return null;
    }

    private static string RegularPlural(string phrase) =>
        phrase + (phrase.EndsWith('s') || phrase.EndsWith('x') || phrase.EndsWith("ch", StringComparison.Ordinal)
                  || phrase.EndsWith("sh", StringComparison.Ordinal) ? "es" : "s");

    private static string Normalise(string phrase) => string.Join(' ', Tokens().Matches(phrase.ToLowerInvariant()).Select(m => m.Value));

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Tokens();
}
