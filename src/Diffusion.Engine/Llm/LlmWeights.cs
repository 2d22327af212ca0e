namespace Diffusion.Engine.Llm;

/// <summary>One decoder block's weights; Q, K and V are fused into one [3D, D] matrix at load.</summary>
public sealed record LlmLayerWeights(
    float[] Ln1Weight,
    float[] Ln1Bias,
    float[] QkvWeight,
    float[] QkvBias,
    float[] OutWeight,
    float[] OutBias,
    float[] Ln2Weight,
    float[] Ln2Bias,
    float[] FcInWeight,
    float[] FcInBias,
    float[] FcOutWeight,
    float[] FcOutBias);

/// <summary>The weights of <c>llm/model.safetensors</c>, shapes checked against the config.</summary>
public sealed record LlmWeights(
    float[] TokenEmbedding,
    float[] PositionEmbedding,
    IReadOnlyList<LlmLayerWeights> Layers,
    float[] FinalNormWeight,
    float[] FinalNormBias)
{
    public static LlmWeights Load(string path, LlmConfig config) => From(SafetensorsReader.Read(path), config, path);

    public static LlmWeights From(IReadOnlyDictionary<string, FloatTensor> tensors, LlmConfig config, string source)
    {
        int v = config.VocabSize, d = config.ModelDim, f = config.FeedForwardDim, p = config.MaxPositions;

        float[] Take(string name, params int[] shape)
        {
            if (!tensors.TryGetValue(name, out FloatTensor? t))
            {
                throw new InvalidDataException($"{source}: tensor '{name}' is missing");
            }

            if (!t.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException(
                    $"{source}: tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", shape)}]");
            }

            return t.Data;
        }

        var layers = new List<LlmLayerWeights>();
        for (int i = 0; i < config.Layers; i++)
        {
            string h = $"h.{i}.";
            float[] qkvWeight = [.. Take(h + "attn.q_proj.weight", d, d), .. Take(h + "attn.k_proj.weight", d, d), .. Take(h + "attn.v_proj.weight", d, d)];
            float[] qkvBias = [.. Take(h + "attn.q_proj.bias", d), .. Take(h + "attn.k_proj.bias", d), .. Take(h + "attn.v_proj.bias", d)];
            layers.Add(new LlmLayerWeights(
                Take(h + "ln_1.weight", d), Take(h + "ln_1.bias", d),
                qkvWeight, qkvBias,
                Take(h + "attn.o_proj.weight", d, d), Take(h + "attn.o_proj.bias", d),
                Take(h + "ln_2.weight", d), Take(h + "ln_2.bias", d),
                Take(h + "mlp.fc_in.weight", f, d), Take(h + "mlp.fc_in.bias", f),
                Take(h + "mlp.fc_out.weight", d, f), Take(h + "mlp.fc_out.bias", d)));
        }

        return new LlmWeights(Take("wte", v, d), Take("wpe", p, d), layers, Take("ln_f.weight", d), Take("ln_f.bias", d));
    }
}

/// <summary>An <c>llm/</c> folder loaded: config and weights.</summary>
public sealed record LlmModel(LlmConfig Config, LlmWeights Weights)
{
    public static LlmModel Load(string llmDirectory)
    {
        string configPath = Path.Combine(llmDirectory, "config.json");
        string weightsPath = Path.Combine(llmDirectory, "model.safetensors");
        if (!File.Exists(configPath) || !File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"{llmDirectory} must hold config.json and model.safetensors");
        }

        LlmConfig config = LlmConfig.Load(configPath);
        return new LlmModel(config, LlmWeights.Load(weightsPath, config));
    }
}
