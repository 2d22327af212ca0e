using System.Text.Json;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;
using Xunit.Abstractions;

namespace Diffusion.Inference.Tests.Pipeline;

/// <summary>
/// Compares the C# pipeline with a PyTorch reference run stored as reference/golden.json in a model
/// folder: same token ids, and the final latent within 1e-3 (max abs) from the same initial latent.
/// </summary>
public abstract class GoldenLatentTests(ITestOutputHelper output)
{
    private string Root => ModelFolderAttribute.Of(GetType()).FullPath;

    private JsonElement Golden => JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "reference", "golden.json"))).RootElement;

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static float[] Data(JsonElement tensor) => tensor.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();

    [ModelFact]
    public void Token_ids_match_the_reference()
    {
        var golden = Golden;
        var tokenizer = LoadedModels.Pipeline(Root).Models.Tokenizer;
        Assert.Equal(Ints(golden.GetProperty("input_ids")), tokenizer.Encode(golden.GetProperty("prompt").GetString()!).Ids);
        Assert.Equal(Ints(golden.GetProperty("uncond_input_ids")), tokenizer.Encode(golden.GetProperty("negative_prompt").GetString() ?? "").Ids);
    }

    [ModelFact]
    public void Final_latent_matches_the_pytorch_reference()
    {
        var golden = Golden;
        var pipeline = LoadedModels.Pipeline(Root);
        var request = new GenerationRequest
        {
            Prompt = golden.GetProperty("prompt").GetString()!,
            NegativePrompt = golden.GetProperty("negative_prompt").GetString() ?? "",
            Seed = golden.GetProperty("seed").GetUInt64(),
            Steps = golden.GetProperty("steps").GetInt32(),
            GuidanceScale = golden.GetProperty("guidance_scale").GetSingle(),
            Scheduler = SchedulerKinds.Parse(golden.GetProperty("scheduler").GetString()!),
            InitialNoise = Data(golden.GetProperty("initial_latent")),
        };
        var result = pipeline.Generate(request);
        var expected = Data(golden.GetProperty("final_latent"));
        Assert.Equal(expected.Length, result.FinalLatents.Length);
        var maxError = expected.Zip(result.FinalLatents, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"max abs error {maxError:E3}, largest reference value {expected.Max(Math.Abs):F3}");
        Assert.True(maxError <= 1e-3f, $"max abs error {maxError:E3} (largest value {expected.Max(Math.Abs):F2})");
    }
}

[ModelFolder("tests/fixtures/sd15-conformance/model", RequiredFile = "reference/golden.json")]
public sealed class Sd15FixtureGoldenLatentTests(ITestOutputHelper output) : GoldenLatentTests(output);

[ModelFolder("models", RequiredFile = "reference/golden.json")]
public sealed class OwnModelsGoldenLatentTests(ITestOutputHelper output) : GoldenLatentTests(output);
