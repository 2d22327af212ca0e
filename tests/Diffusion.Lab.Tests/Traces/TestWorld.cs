using Diffusion.Evaluation.World;

namespace Diffusion.Lab.Tests.Traces;

/// <summary>The emoji world of the test fixtures (a copy of models/world.json).</summary>
internal static class TestWorld
{
    private static readonly Lazy<EmojiWorld> Loaded = new(() => EmojiWorld.Load(FixturePath("world.json")));

    public static EmojiWorld World => Loaded.Value;

    public static string FixturePath(string name) => Path.Combine(AppContext.BaseDirectory, "Traces", "Fixtures", name);
}
