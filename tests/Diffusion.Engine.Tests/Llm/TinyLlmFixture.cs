using System.Text.Json;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Llm;

/// <summary>tests/fixtures/llm-tiny: the random-weight model and its torch reference outputs.</summary>
internal static class TinyLlmFixture
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures", "llm-tiny");

    public static string LlmDirectory => Path.Combine(Root, "llm");

    public static string TokenizerDirectory => Path.Combine(Root, "tokenizer");

    private static readonly Lazy<LlmModel> LazyModel = new(() => LlmModel.Load(LlmDirectory));
    private static readonly Lazy<JsonDocument> LazyReference =
        new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "reference.json"))));

    public static LlmModel Model => LazyModel.Value;

    public static JsonElement Reference => LazyReference.Value.RootElement;

    public static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    /// <summary>A KV pool for the tiny model with room for <paramref name="blocks"/> blocks.</summary>
    public static BlockPool NewPool(int blocks, int blockSize = 16)
    {
        LlmConfig c = Model.Config;
        BlockPoolOptions shape = BlockPoolOptions.ForKvCache(1, blockSize, c.Layers, c.ModelDim);
        return new BlockPool(shape with { BudgetBytes = blocks * shape.BlockBytes });
    }
}
