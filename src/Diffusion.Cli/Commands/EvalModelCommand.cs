using System.CommandLine;
using System.Text.Json;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cli.Commands;

/// <summary><c>eval model --json FILE</c>: the model card's quality table re-measured through the C# pipeline
/// with the judge, side by side with models/EVAL.json (the PyTorch measurement).</summary>
public static class EvalModelCommand
{
    private const double Tolerance = 0.03;

    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measured table to this JSON file.", Required = true };
        var models = new Option<string>("--models") { Description = "Model folder.", DefaultValueFactory = _ => "./models" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N held-out prompts (default: all 511)." };
        var steps = new Option<int>("--steps") { Description = "Denoising steps.", DefaultValueFactory = _ => 50 };
        var guidance = new Option<float?>("--guidance")
        {
            Description = "Classifier-free guidance scale (default: the one the model is served with, model_index.json's generation_defaults, else 7.5).",
        };
        var noLlm = new Option<bool>("--no-llm") { Description = "Skip the LLM expansion check (llm_valid)." };
        var command = new Command("model", "Re-measure the model card's quality table (models/EVAL.json) through the C# service with the judge.")
        {
            json, models, limit, steps, guidance, noLlm,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json)!, parse.GetValue(models)!, parse.GetValue(limit),
            parse.GetValue(steps), parse.GetValue(guidance), !parse.GetValue(noLlm), ct));
        return command;
    }

    /// <summary>Little-endian float32, as the training code writes it.</summary>
    private static float[] ReadFloats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is not a whole number of float32 values");
        }
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
        }
        return values;
    }

    private static async Task<int> RunAsync(string jsonPath, string modelsDir, int? limit, int steps, float? guidanceOption,
        bool withLlm, CancellationToken cancellationToken)
    {
        try
        {
            var prompts = HeldOutPrompt.Load(Path.Combine(modelsDir, "eval", "heldout.jsonl"));
            using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
            var guidance = guidanceOption ?? models.Folder.DefaultGuidanceScale;
            using var judge = JudgeModel.Load(Path.Combine(modelsDir, "judge"));
            var world = WorldGeometry.Load(Path.Combine(modelsDir, "world.json"));
            var evaluation = new ModelEvaluation(new DiffusionPipeline(models), judge, new PromptScoring(world, judge.Config.RelationMargin));
            var references = ReferenceSheet.Load(Path.Combine(modelsDir, "eval", "references.png"));
            await using var engine = withLlm
                ? EngineHost.Start(new EngineOptions(), Path.Combine(modelsDir, "llm"), Path.Combine(modelsDir, "tokenizer"), null)
                : null;
            var llm = engine is null ? null : new LlmExpansionCheck(
                (loose, ct) => ExpandAsync(engine, loose, ct), new CanonicalPromptParser(EmojiWorld.Load(Path.Combine(modelsDir, "world.json"))));
            var progress = new Progress<(int Done, int Total)>(p => Console.Error.Write($"\rgenerated {p.Done}/{p.Total}"));
            var latentsPath = Path.Combine(modelsDir, "eval", "initial_latents.bin");
            var initialLatents = File.Exists(latentsPath) ? ReadFloats(latentsPath) : null;
            var report = await evaluation.RunAsync(prompts,
                new ModelEvaluationOptions { Steps = steps, GuidanceScale = guidance, Limit = limit, InitialLatents = initialLatents },
                references, llm, progress, cancellationToken);
            Console.Error.WriteLine();
            var published = ReadPublished(Path.Combine(modelsDir, "EVAL.json"));
            var worst = PrintTable(report, published);
            await WriteJsonAsync(jsonPath, report, published, cancellationToken);
            Console.WriteLine($"{report.Prompts} prompts in {report.Elapsed.TotalMinutes:F1} min; wrote {jsonPath}");
            return worst <= Tolerance || published.Count == 0 ? 0 : 2;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<string> ExpandAsync(EngineHost engine, string loose, CancellationToken cancellationToken)
    {
        var handle = engine.Loop.SubmitCompletion(engine.Codec!.EncodePrompt(loose), new SamplingParams { MaxTokens = 40 },
            cancellationToken: cancellationToken);
        var completion = await handle.Completion.ConfigureAwait(false);
        return completion.Samples[0].Text;
    }

    private static Dictionary<string, double> ReadPublished(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number)
            .ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    /// <summary>Prints measured vs published per row; returns the largest absolute difference.</summary>
    private static double PrintTable(ModelEvaluationReport report, IReadOnlyDictionary<string, double> published)
    {
        Console.WriteLine($"{"metric",-16} {"C# (ORT)",9} {"EVAL.json",9} {"diff",7}");
        var worst = 0.0;
        foreach (var (metric, value) in report.Metrics)
        {
            if (published.TryGetValue(metric, out var reference))
            {
                var diff = value - reference;
                worst = Math.Max(worst, Math.Abs(diff));
                Console.WriteLine($"{metric,-16} {value,9:F3} {reference,9:F3} {diff,7:+0.000;-0.000} {(Math.Abs(diff) <= Tolerance ? "ok" : "OFF")}");
            }
            else
            {
                Console.WriteLine($"{metric,-16} {value,9:F3} {"-",9}");
            }
        }
        foreach (var (metric, value) in report.JudgeOnReferences)
        {
            Console.WriteLine($"judge on references: {metric,-14} {value:F3}");
        }
        return worst;
    }

    private static async Task WriteJsonAsync(string path, ModelEvaluationReport report, IReadOnlyDictionary<string, double> published,
        CancellationToken cancellationToken)
    {
        var doc = new Dictionary<string, object>();
        foreach (var (k, v) in report.Metrics)
        {
            doc[k] = v;
        }
        doc["judge_on_references"] = report.JudgeOnReferences;
        doc["published"] = published;
        doc["prompts"] = report.Prompts;
        doc["seconds"] = Math.Round(report.Elapsed.TotalSeconds, 1);
        await OutputFile.WriteTextAsync(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }
}
