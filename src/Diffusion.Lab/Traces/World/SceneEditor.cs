using Diffusion.Evaluation.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces.World;

/// <summary>What a user changes between two prompts of an edit session.</summary>
public enum SceneAttribute
{
    /// <summary>One object becomes another concept.</summary>
    Object,

    /// <summary>The background colour.</summary>
    Colour,

    /// <summary>The absolute position of a single object, or the relation between two objects.</summary>
    Position,

    /// <summary>How many copies a count scene shows.</summary>
    Count,

    /// <summary>The size of one object.</summary>
    Size,

    /// <summary>The background texture (solid, striped, ...).</summary>
    Texture,
}

/// <summary>
/// Changes exactly one attribute of a scene, the way a user refines a prompt ("make it blue",
/// "now a dog", "move it to the top"). Sizes stay within what the sampler draws for the scene's
/// kind, so an edited scene is still one the model was trained on.
/// </summary>
public sealed class SceneEditor(SceneSampler sampler)
{
    private readonly EmojiWorld _world = sampler.World;

    /// <summary>The attributes that can be changed in this scene.</summary>
    public IReadOnlyList<SceneAttribute> EditableAttributes(EmojiScene scene)
    {
        var list = new List<SceneAttribute> { SceneAttribute.Object, SceneAttribute.Colour };
        if (scene.Kind is SceneKind.Single or SceneKind.Relation)
        {
            list.Add(SceneAttribute.Position);
        }

        if (scene.Kind == SceneKind.Count)
        {
            list.Add(SceneAttribute.Count);
        }

        if (SizesFor(scene).Count > 1)
        {
            list.Add(SceneAttribute.Size);
        }

        if (_world.Textures.Count > 1)
        {
            list.Add(SceneAttribute.Texture);
        }

        return list;
    }

    /// <summary>A scene that differs from <paramref name="scene"/> in <paramref name="attribute"/> only.</summary>
    public EmojiScene Edit(EmojiScene scene, SceneAttribute attribute, TraceRandom random)
    {
        if (!EditableAttributes(scene).Contains(attribute))
        {
            throw new ArgumentException($"A {scene.Kind} scene has no editable {attribute}.", nameof(attribute));
        }

        switch (attribute)
        {
            case SceneAttribute.Object:
            {
                var index = random.NextInt(scene.Items.Count);
                var taken = scene.Items.Select(i => i.Concept).ToHashSet();
                var concept = Other(_world.Concepts.Select(c => c.Name).Where(c => !taken.Contains(c)).ToList(), null, random);
                return scene.WithItem(index, scene.Items[index] with { Concept = concept });
            }

            case SceneAttribute.Colour:
                return scene with { Colour = Other(_world.Colours, scene.Colour, random) };
            case SceneAttribute.Texture:
                return scene with { Texture = Other(_world.Textures, scene.Texture, random) };
            case SceneAttribute.Position when scene.Kind == SceneKind.Single:
                return scene with { Position = Other(_world.PositionPhrases.Select(p => p.Key).ToList(), scene.Position, random) };
            case SceneAttribute.Position:
                return scene with { Relation = Other(_world.RelationPhrases.Select(p => p.Key).ToList(), scene.Relation, random) };
            case SceneAttribute.Count:
                return scene with { Count = Other([1, 2, 3], scene.Count, random) };
            case SceneAttribute.Size:
            {
                var index = random.NextInt(scene.Items.Count);
                var size = Other(SizesFor(scene), scene.Items[index].Size, random);
                return scene.WithItem(index, scene.Items[index] with { Size = size });
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(attribute), attribute, "Unknown attribute.");
        }
    }

    private IReadOnlyList<string> SizesFor(EmojiScene scene) =>
        scene.Kind == SceneKind.Single ? _world.Sizes : sampler.MultiObjectSizes;

    private static T Other<T>(IReadOnlyList<T> choices, T? current, TraceRandom random)
    {
        var others = choices.Where(c => !EqualityComparer<T>.Default.Equals(c, current)).ToList();
        return random.Pick(others);
    }
}
