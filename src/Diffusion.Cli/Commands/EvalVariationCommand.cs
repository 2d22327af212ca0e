using System.CommandLine;
using System.Text.Json;
using Diffusion.Evaluation;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Evaluation.Variation;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>eval variation --json FILE --report FILE</c>: what a cache hit does with the request's seed, judged, at
/// each resume noise strength (0 = the old behaviour); the figures behind the cache's VariationStrength.
/// </summary>
public static class EvalVariationCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measured rows to this JSON file.", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write them as Markdown to this file (e.g. docs/variation.md)." };
        var models = new Option<string>("--models") { Description = "Model folder (with judge/, world.json and eval/heldout.jsonl).", DefaultValueFactory = _ => "./models" };
        var prompts = new Option<int>("--prompts") { Description = "Held-out prompts, evenly spaced; each gives two hits.", DefaultValueFactory = _ => 100 };
        var strengths = new Option<string>("--strengths") { Description = "Resume noise strengths compared, comma-separated.", DefaultValueFactory = _ => "0,0.5,1" };
        var command = new Command("variation", "Measure seed variation on cache hits: judge accuracy and distances at each resume noise strength.")
        {
            json, report, models, prompts, strengths,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json)!, parse.GetValue(report), parse.GetValue(models)!, parse.GetValue(prompts),
            parse.GetValue(strengths)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string? reportPath, string modelsDir, int prompts, string strengths,
        CancellationToken cancellationToken)
    {
        float[] parsed;
        try
        {
            parsed = NumberList.Parse<float>(strengths, "--strengths");
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        using var models = DiffusionModels.Load(modelsDir, new OnnxRuntimeOptions());
        var options = new VariationOptions { Prompts = prompts, Strengths = parsed, GuidanceScale = models.Folder.DefaultGuidanceScale }.Validate();
        using var judge = JudgeModel.Load(Path.Combine(modelsDir, "judge"));
        var scoring = new PromptScoring(WorldGeometry.Load(Path.Combine(modelsDir, "world.json")), judge.Config.RelationMargin);
        var heldOut = HeldOutPrompt.Load(Path.Combine(modelsDir, "eval", "heldout.jsonl"));

        var evaluation = new VariationEvaluation(new DiffusionPipeline(models), judge, scoring, options, Console.Error);
        var result = await Task.Run(() => evaluation.Run(heldOut, cancellationToken), cancellationToken);
        await OutputFile.WriteTextAsync(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        if (reportPath is not null)
        {
            await OutputFile.WriteTextAsync(reportPath, result.ToMarkdown($"./run.sh eval variation --json {jsonPath} --report {reportPath}"),
                cancellationToken);
        }
        foreach (var row in result.Rows)
        {
            Console.WriteLine($"{row.Scenario,-8} strength {row.Strength:0.0}: judge {row.JudgeAccuracy:0.000}, background {row.Background:0.000}, " +
                              $"to own seed {row.DistanceToOwnSeed:0.0}, between seeds {row.DistanceBetweenSeeds:0.0}, identical {row.IdenticalSeedPairs:0.000}");
        }
        Console.WriteLine($"cache off: judge {result.ReferenceAccuracy:0.000}, background {result.ReferenceBackground:0.000}");
        return 0;
    }
}
