using Diffusion.Evaluation.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces.World;

/// <summary>
/// Draws random scenes with the distribution the model was trained on (<c>sample_scene</c> in
/// models/training/scene.py): kind weights, 70 % solid backgrounds, any size for a single object but
/// only sizes up to medium when several objects share the image.
/// </summary>
public sealed class SceneSampler
{
    private static readonly (SceneKind Kind, double Weight)[] KindWeights =
    [
        (SceneKind.Single, 0.36), (SceneKind.Count, 0.20), (SceneKind.Relation, 0.24), (SceneKind.Pair, 0.12), (SceneKind.Triple, 0.08),
    ];

    private const double SolidProbability = 0.7;

    private readonly string[] _patterned;

    public SceneSampler(EmojiWorld world)
    {
        World = world;
        _patterned = world.Textures.Where(t => t != EmojiWorld.SolidTexture).ToArray();
        var medium = world.SizePixels[EmojiWorld.MediumSize];
        MultiObjectSizes = world.Sizes.Where(s => world.SizePixels[s] <= medium).ToArray();
    }

    public EmojiWorld World { get; }

    /// <summary>Sizes used when several objects share the image (small and medium).</summary>
    public IReadOnlyList<string> MultiObjectSizes { get; }

    public EmojiScene Sample(TraceRandom random)
    {
        var kind = SampleKind(random);
        var colour = random.Pick(World.Colours);
        var texture = _patterned.Length == 0 || random.NextDouble() < SolidProbability ? EmojiWorld.SolidTexture : random.Pick(_patterned);
        switch (kind)
        {
            case SceneKind.Single:
                var item = new SceneItem(random.Pick(World.Concepts).Name, random.Pick(World.Sizes));
                return new EmojiScene(kind, [item], colour, texture, Position: random.Pick(World.PositionPhrases).Key);
            case SceneKind.Count:
                var copies = new SceneItem(random.Pick(World.Concepts).Name, random.Pick(MultiObjectSizes));
                return new EmojiScene(kind, [copies], colour, texture, Count: 1 + random.NextInt(3));
            case SceneKind.Relation:
                return new EmojiScene(kind, DistinctItems(random, 2), colour, texture, Relation: random.Pick(World.RelationPhrases).Key);
            case SceneKind.Pair:
                return new EmojiScene(kind, DistinctItems(random, 2), colour, texture);
            case SceneKind.Triple:
                return new EmojiScene(kind, DistinctItems(random, 3), colour, texture);
            default:
                throw new InvalidOperationException($"Unknown scene kind {kind}.");
        }
    }

    private static SceneKind SampleKind(TraceRandom random)
    {
        var u = random.NextDouble();
        foreach (var (kind, weight) in KindWeights)
        {
            u -= weight;
            if (u < 0)
            {
                return kind;
            }
        }

        return KindWeights[^1].Kind; // rounding: the weights sum to 1 up to a few ulps
    }

    private SceneItem[] DistinctItems(TraceRandom random, int count)
    {
        var items = new SceneItem[count];
        for (var i = 0; i < count; i++)
        {
            string concept;
            do
            {
                concept = random.Pick(World.Concepts).Name;
            }
            while (items.Take(i).Any(it => it.Concept == concept));
            items[i] = new SceneItem(concept, random.Pick(MultiObjectSizes));
        }

        return items;
    }
}
