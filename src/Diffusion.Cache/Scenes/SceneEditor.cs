namespace Diffusion.Cache.Scenes;

/// <summary>The attributes a user edit changes, one at a time.</summary>
public enum SceneAttribute
{
    Colour,
    Texture,
    Object,
    Size,
    Position,
    Count,
    Relation,
}

/// <summary>
/// Edits one attribute of a scene (what a user does between two requests: "now make it blue"), and draws
/// random scenes the way the training sampler does. Every result is a valid canonical scene.
/// </summary>
public sealed class SceneEditor(EmojiWorld world)
{
    private readonly EmojiWorld _world = world ?? throw new ArgumentNullException(nameof(world));

    /// <summary>The attributes an edit of <paramref name="scene"/> can change.</summary>
    public static IReadOnlyList<SceneAttribute> EditableAttributes(EmojiScene scene) => scene.Kind switch
    {
        EmojiScene.Single => [SceneAttribute.Colour, SceneAttribute.Texture, SceneAttribute.Object, SceneAttribute.Size, SceneAttribute.Position],
        EmojiScene.CountKind => [SceneAttribute.Colour, SceneAttribute.Texture, SceneAttribute.Object, SceneAttribute.Size, SceneAttribute.Count],
        EmojiScene.RelationKind => [SceneAttribute.Colour, SceneAttribute.Texture, SceneAttribute.Object, SceneAttribute.Relation],
        _ => [SceneAttribute.Colour, SceneAttribute.Texture, SceneAttribute.Object],
    };

    /// <summary>A scene equal to <paramref name="scene"/> except for <paramref name="attribute"/>, which takes another value.</summary>
    public EmojiScene Edit(EmojiScene scene, SceneAttribute attribute, Random random)
    {
        ArgumentNullException.ThrowIfNull(scene);
        if (!EditableAttributes(scene).Contains(attribute))
        {
            throw new ArgumentException($"a {scene.Kind} scene has no editable {attribute}.", nameof(attribute));
        }
        var items = scene.Items.ToArray();
        switch (attribute)
        {
            case SceneAttribute.Colour:
                return scene with { Colour = Other(_world.Colours, scene.Colour, random) };
            case SceneAttribute.Texture:
                return scene with { Texture = Other(_world.Textures, scene.Texture, random) };
            case SceneAttribute.Object:
                {
                    var i = random.Next(items.Length);
                    var taken = items.Select(it => it.Concept).ToHashSet();
                    var choices = _world.Concepts.Select(c => c.Name).Where(n => !taken.Contains(n)).ToArray();
                    items[i] = items[i] with { Concept = choices[random.Next(choices.Length)] };
                    return scene with { Items = items };
                }
            case SceneAttribute.Size:
                {
                    // counted objects come small or medium, as the training scenes do
                    IReadOnlyList<string> sizes = scene.Kind == EmojiScene.CountKind ? ["small", "medium"] : EmojiWorld.Sizes;
                    items[0] = items[0] with { Size = Other(sizes, items[0].Size, random) };
                    return scene with { Items = items };
                }
            case SceneAttribute.Position:
                return scene with { Position = Other(_world.PositionPhrases.Keys.ToArray(), scene.Position!, random) };
            case SceneAttribute.Count:
                return scene with { Count = Other([1, 2, 3], scene.Count, random) };
            case SceneAttribute.Relation:
                return scene with { Relation = Other(_world.RelationPhrases.Keys.ToArray(), scene.Relation!, random) };
            default:
                throw new ArgumentOutOfRangeException(nameof(attribute), attribute, "unknown scene attribute");
        }
    }

    /// <summary>An edit of a randomly chosen editable attribute.</summary>
    public (EmojiScene Scene, SceneAttribute Attribute) EditRandom(EmojiScene scene, Random random)
    {
        var attributes = EditableAttributes(scene);
        var attribute = attributes[random.Next(attributes.Count)];
        return (Edit(scene, attribute, random), attribute);
    }

    /// <summary>A random scene with the training sampler's mix (kinds weighted, 70 % solid backgrounds).</summary>
    public EmojiScene Draw(Random random)
    {
        var colour = _world.Colours[random.Next(_world.Colours.Count)];
        var texture = random.NextDouble() < 0.7 ? "solid" : _world.Textures[1 + random.Next(_world.Textures.Count - 1)];
        var kind = random.NextDouble() switch
        {
            < 0.35 => EmojiScene.Single,
            < 0.55 => EmojiScene.CountKind,
            < 0.80 => EmojiScene.RelationKind,
            < 0.95 => EmojiScene.Pair,
            _ => EmojiScene.Triple,
        };
        string Concept() => _world.Concepts[random.Next(_world.Concepts.Count)].Name;
        string SmallOrMedium() => random.Next(2) == 0 ? "small" : "medium";
        switch (kind)
        {
            case EmojiScene.Single:
                var positions = _world.PositionPhrases.Keys.ToArray();
                return new EmojiScene(kind, [new SceneItem(Concept(), EmojiWorld.Sizes[random.Next(3)])], colour, texture,
                    Position: positions[random.Next(positions.Length)]);
            case EmojiScene.CountKind:
                return new EmojiScene(kind, [new SceneItem(Concept(), SmallOrMedium())], colour, texture, Count: 1 + random.Next(3));
            default:
                var n = kind == EmojiScene.Triple ? 3 : 2;
                var concepts = _world.Concepts.Select(c => c.Name).OrderBy(_ => random.Next()).Take(n).ToArray();
                var items = concepts.Select(c => new SceneItem(c, SmallOrMedium())).ToArray();
                var relations = _world.RelationPhrases.Keys.ToArray();
                return kind == EmojiScene.RelationKind
                    ? new EmojiScene(kind, items, colour, texture, Relation: relations[random.Next(relations.Length)])
                    : new EmojiScene(kind, items, colour, texture);
        }
    }

    private static T Other<T>(IReadOnlyList<T> values, T current, Random random)
    {
        var choices = values.Where(v => !EqualityComparer<T>.Default.Equals(v, current)).ToArray();
        return choices[random.Next(choices.Length)];
    }
}
