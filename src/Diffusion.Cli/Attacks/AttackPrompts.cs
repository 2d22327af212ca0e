using Diffusion.Evaluation.World;

namespace Diffusion.Cli.Attacks;

/// <summary>A place and a background no other family of the run uses, and the size its objects are drawn at.</summary>
public sealed record PromptFamily(string Position, string Colour, string Texture, string Size);

/// <summary>
/// Fresh prompts in the shipped model's canonical grammar ("a small cat in the center on a blue striped background").
/// Every family has its own (place, colour, texture), so prompts of different trials, bits and phases never repeat
/// one another's text and look alike only as far as the model's unrelated scenes do; the same seed gives the same
/// prompts, so the defended and undefended runs see the same ones.
/// </summary>
public sealed class AttackPrompts
{
    private static readonly string[] ExplicitSizes = ["small", "large"];

    private readonly EmojiWorld world;
    private readonly CanonicalPromptWriter writer;
    private readonly Random random;
    private readonly Queue<(string Position, string Colour, string Texture)> unused;
    private readonly HashSet<string> issued = new(StringComparer.Ordinal);

    public AttackPrompts(EmojiWorld world, int seed)
    {
        this.world = world ?? throw new ArgumentNullException(nameof(world));
        writer = new CanonicalPromptWriter(world);
        random = new Random(seed);
        var triples = (from p in world.PositionPhrases.Select(p => p.Key)
                       from c in world.Colours
                       from t in world.Textures
                       select (p, c, t)).ToArray();
        random.Shuffle(triples);
        unused = new Queue<(string, string, string)>(triples);
    }

    /// <summary>Families left.</summary>
    public int Remaining => unused.Count;

    public PromptFamily NextFamily()
    {
        if (!unused.TryDequeue(out var next))
        {
            throw new InvalidOperationException("every (place, colour, texture) of the emoji world is used; ask for fewer trials");
        }
        return new PromptFamily(next.Position, next.Colour, next.Texture, ExplicitSizes[random.Next(ExplicitSizes.Length)]);
    }

    /// <summary><paramref name="count"/> different objects, drawn at random.</summary>
    public IReadOnlyList<string> Objects(int count)
    {
        if (count < 1 || count > world.Concepts.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"between 1 and {world.Concepts.Count} objects");
        }
        var names = world.Concepts.Select(c => c.Name).ToArray();
        random.Shuffle(names);
        return names[..count];
    }

    /// <summary>The canonical prompt of one <paramref name="concept"/> in <paramref name="family"/>, at the family's size unless given.</summary>
    public string Prompt(PromptFamily family, string concept, string? size = null)
    {
        ArgumentNullException.ThrowIfNull(family);
        var scene = new EmojiScene(SceneKind.Single, [new SceneItem(concept, size ?? family.Size)], family.Colour, family.Texture,
            Position: family.Position);
        var text = writer.Write(scene);
        issued.Add(text);
        return text;
    }

    /// <summary>A prompt of a new family and a random object.</summary>
    public string NextPrompt() => Prompt(NextFamily(), Objects(1)[0]);

    /// <summary>Whether this instance has written <paramref name="prompt"/> before (tests check freshness with it).</summary>
    public bool WasIssued(string prompt) => issued.Contains(prompt);

    /// <summary>A request seed: fresh for every request, reproducible from the run's seed.</summary>
    public long NextSeed() => random.NextInt64(1, int.MaxValue);

    /// <summary>The attacks' other random choices (secrets, bits, orders), from the same reproducible stream.</summary>
    public Random Random => random;
}
