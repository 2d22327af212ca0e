using System.Text.Json;
using Diffusion.Inference.Vocabulary;

namespace Diffusion.Inference.Models;

/// <summary>
/// A model folder in diffusers' ONNX layout (docs/model-layout.md): reads <c>model_index.json</c> and
/// the part configs, checks that every required part is present, and says exactly what is missing.
/// Works for our own family and for a Stable Diffusion 1.5 export.
/// </summary>
public sealed class ModelFolder
{
    public const float DefaultScalingFactor = 0.18215f;

    private static readonly string[] RequiredParts = ["tokenizer", "text_encoder", "vae_decoder", "scheduler"];

    /// <summary>diffusers' folder names for the denoiser: a UNet's, and a diffusion transformer's.</summary>
    public static readonly IReadOnlyList<string> DenoiserParts = ["unet", "transformer"];

    private ModelFolder(string root, IReadOnlyList<string> components)
    {
        Root = root;
        Components = components;
        // the one model_index.json lists; "unet" when it lists neither, so MissingParts names that
        DenoiserPart = DenoiserParts.FirstOrDefault(components.Contains) ?? DenoiserParts[0];
    }

    public string Root { get; }

    /// <summary>Parts that model_index.json names (entries with a null class are left out).</summary>
    public IReadOnlyList<string> Components { get; }

    public string TokenizerDirectory => Path.Combine(Root, "tokenizer");
    public string TextEncoderPath => ModelFile("text_encoder");
    /// <summary>The denoiser's folder, <c>unet</c> or <c>transformer</c>: whichever model_index.json lists.
    /// Both take and return the same tensors (sample, timestep, encoder_hidden_states → out_sample).</summary>
    public string DenoiserPart { get; }

    public string DenoiserPath => ModelFile(DenoiserPart);
    public string VaeDecoderPath => ModelFile("vae_decoder");
    public string SchedulerConfigPath => Path.Combine(Root, "scheduler", "scheduler_config.json");

    /// <summary>Null when the folder has no VAE encoder (it is optional).</summary>
    public string? VaeEncoderPath => OptionalModel("vae_encoder");

    /// <summary>Null when the folder has no CLIP image encoder (SD 1.5 exports do not).</summary>
    public string? ImageEncoderPath => OptionalModel("image_encoder");

    /// <summary>Null when there is no PyTorch reference run.</summary>
    public string? GoldenPath => File.Exists(Path.Combine(Root, "reference", "golden.json")) ? Path.Combine(Root, "reference", "golden.json") : null;

    /// <summary>Latents are divided by this before decoding; 0.18215 (SD's) when no VAE config gives it.</summary>
    public float ScalingFactor =>
        ReadNumber("vae_decoder", "scaling_factor") ?? ReadNumber("vae_encoder", "scaling_factor") ?? DefaultScalingFactor;

    /// <summary>The guidance scale the model was tuned for (model_index.json <c>generation_defaults</c>; not part of
    /// diffusers' format, so null for a Stable Diffusion export).</summary>
    public float? RecommendedGuidanceScale { get; private init; }

    /// <summary>Stable Diffusion's usual guidance, used when the model recommends none.</summary>
    public const float StableDiffusionGuidanceScale = 7.5f;

    /// <summary>The guidance every entry point uses when a request names none: the model's recommendation,
    /// else Stable Diffusion's 7.5. One value, so the server, <c>generate</c> and the measurements agree.</summary>
    public float DefaultGuidanceScale => RecommendedGuidanceScale ?? StableDiffusionGuidanceScale;

    /// <summary>How many text states the denoiser reads (its config's <c>text_tokens_read</c>), when it reads
    /// fewer than the encoder gives; null when it reads them all (a Stable Diffusion export).</summary>
    public int? DenoiserTextTokens => ReadNumber(DenoiserPart, "text_tokens_read") is { } n ? (int)n : null;

    /// <summary>What the model can draw (its world.json), or null for an open-vocabulary model such as Stable Diffusion.</summary>
    public ModelVocabulary? Vocabulary { get; private init; }

    /// <summary>The model's name: model_index.json's <c>_name_or_path</c> (last segment), else the folder's name.</summary>
    public string Name { get; private init; } = "";

    public static bool Exists(string root) => File.Exists(Path.Combine(root, "model_index.json"));

    /// <summary>Opens and validates a model folder; throws <see cref="InvalidDataException"/> listing every missing part.</summary>
    public static ModelFolder Open(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        root = Path.GetFullPath(root);
        var indexPath = Path.Combine(root, "model_index.json");
        if (!File.Exists(indexPath))
        {
            throw new InvalidDataException($"{root} is not a model folder: model_index.json is missing.");
        }

        var components = new List<string>();
        float? guidance = null;
        string? name = null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath));
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                // components are ["library", "Class"]; [null, null] marks an absent optional part
                if (property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() == 2
                    && property.Value[1].ValueKind == JsonValueKind.String)
                {
                    components.Add(property.Name);
                }
            }
            if (doc.RootElement.TryGetProperty("_name_or_path", out var n) && n.ValueKind == JsonValueKind.String)
            {
                name = n.GetString();
            }
            if (doc.RootElement.TryGetProperty("generation_defaults", out var defaults)
                && defaults.ValueKind == JsonValueKind.Object
                && defaults.TryGetProperty("guidance_scale", out var g) && g.ValueKind == JsonValueKind.Number)
            {
                guidance = g.GetSingle();
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath} is not valid JSON: {e.Message}", e);
        }

        var folder = new ModelFolder(root, components)
        {
            RecommendedGuidanceScale = guidance,
            Vocabulary = ModelVocabulary.Load(root),
            Name = string.IsNullOrWhiteSpace(name) ? Path.GetFileName(root.TrimEnd(Path.DirectorySeparatorChar)) : Path.GetFileName(name.TrimEnd('/')),
        };
        var missing = folder.MissingParts();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"The model folder {root} is incomplete:\n  - " + string.Join("\n  - ", missing));
        }
        return folder;
    }

    /// <summary>Human-readable list of what a usable folder lacks (empty when complete).</summary>
    public IReadOnlyList<string> MissingParts()
    {
        var missing = new List<string>();
        foreach (var part in RequiredParts)
        {
            if (!Components.Contains(part))
            {
                missing.Add($"model_index.json does not list '{part}'");
            }
        }
        var denoisers = DenoiserParts.Where(Components.Contains).ToList();
        if (denoisers.Count == 0)
        {
            missing.Add("model_index.json lists no denoiser ('unet' or 'transformer')");
        }
        else if (denoisers.Count > 1)
        {
            missing.Add("model_index.json lists both 'unet' and 'transformer'; a folder has one denoiser");
        }
        foreach (var file in new[] { "vocab.json", "merges.txt" })
        {
            if (!File.Exists(Path.Combine(TokenizerDirectory, file)))
            {
                missing.Add($"tokenizer/{file}");
            }
        }
        foreach (var part in new[] { "text_encoder", DenoiserPart, "vae_decoder" })
        {
            if (!File.Exists(ModelFile(part)))
            {
                missing.Add($"{part}/model.onnx");
            }
        }
        if (!File.Exists(SchedulerConfigPath))
        {
            missing.Add("scheduler/scheduler_config.json");
        }
        foreach (var part in new[] { "vae_encoder", "image_encoder" })
        {
            if (Components.Contains(part) && !File.Exists(ModelFile(part)))
            {
                missing.Add($"{part}/model.onnx (model_index.json lists it)");
            }
        }
        return missing;
    }

    /// <summary>A part's config.json, or null when the part has none.</summary>
    public JsonDocument? ReadConfig(string part)
    {
        var path = Path.Combine(Root, part, "config.json");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A numeric field of a part's config.json, or null.</summary>
    public float? ReadNumber(string part, string field)
    {
        using var config = ReadConfig(part);
        if (config is null || !config.RootElement.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }
        return value.GetSingle();
    }

    private string ModelFile(string part) => Path.Combine(Root, part, "model.onnx");

    private string? OptionalModel(string part) => File.Exists(ModelFile(part)) ? ModelFile(part) : null;
}
