using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Engine.Llm;

/// <summary><c>llm/config.json</c> (docs/model-layout.md): the decoder's shape and prompt format.</summary>
public sealed record LlmConfig
{
    [JsonPropertyName("model_type")]
    public string ModelType { get; init; } = "";

    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; }

    [JsonPropertyName("n_layer")]
    public int Layers { get; init; }

    [JsonPropertyName("n_head")]
    public int Heads { get; init; }

    [JsonPropertyName("d_model")]
    public int ModelDim { get; init; }

    [JsonPropertyName("d_ff")]
    public int FeedForwardDim { get; init; }

    [JsonPropertyName("max_position_embeddings")]
    public int MaxPositions { get; init; }

    [JsonPropertyName("layer_norm_epsilon")]
    public float LayerNormEpsilon { get; init; } = 1e-5f;

    [JsonPropertyName("activation")]
    public string Activation { get; init; } = "gelu_tanh";

    [JsonPropertyName("bos_token_id")]
    public int BosTokenId { get; init; }

    [JsonPropertyName("eos_token_id")]
    public int EosTokenId { get; init; }

    [JsonPropertyName("instruction")]
    public string Instruction { get; init; } = "";

    public int HeadDim => ModelDim / Heads;

    public static LlmConfig Load(string path)
    {
        LlmConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<LlmConfig>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid LLM config ({e.Message})", e);
        }

        return (config ?? throw new InvalidDataException($"{path}: empty LLM config")).Validate(path);
    }

    public LlmConfig Validate(string source = "llm/config.json")
    {
        void Require(bool ok, string what)
        {
            if (!ok)
            {
                throw new InvalidDataException($"{source}: {what}");
            }
        }

        Require(VocabSize > 0 && Layers > 0 && Heads > 0 && ModelDim > 0 && FeedForwardDim > 0 && MaxPositions > 0,
            "vocab_size, n_layer, n_head, d_model, d_ff and max_position_embeddings must be positive");
        Require(ModelDim % Heads == 0, $"d_model {ModelDim} is not divisible by n_head {Heads}");
        Require(Activation == "gelu_tanh", $"activation '{Activation}' is not supported (only gelu_tanh)");
        Require(LayerNormEpsilon > 0, "layer_norm_epsilon must be positive");
        Require(BosTokenId >= 0 && BosTokenId < VocabSize && EosTokenId >= 0 && EosTokenId < VocabSize,
            "bos_token_id and eos_token_id must be inside the vocabulary");
        return this;
    }
}
