using System.CommandLine;
using System.Text.Json;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Models;
using Diffusion.Inference.Vocabulary;
using Diffusion.Lab.Evaluation.Expansion;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>eval expansion --json FILE --report FILE</c>: loose prompts in styles the LLM was not trained on, expanded
/// by the LLM and kept to the request by the service's guard; the share that keeps every named object, count and
/// relation, and the share of unknown concepts reported rather than swapped.
/// </summary>
public static class EvalExpansionCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measured rows to this JSON file.", Required = true };
        var report = new Option<string?>("--report") { Description = "Also write them as Markdown to this file (e.g. docs/expansion.md)." };
        var models = new Option<string>("--models") { Description = "Model folder (with llm/, tokenizer/, world.json).", DefaultValueFactory = _ => "./models" };
        var set = new Option<string?>("--prompts") { Description = "Labelled prompts [default: MODELS/eval/loose-styles.jsonl]." };
        var command = new Command("expansion", "Measure prompt expansion on loose prompts in new styles: objects, counts and relations kept; unknown concepts reported.")
        {
            json, report, models, set,
        };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(json)!, parse.GetValue(report), parse.GetValue(models)!, parse.GetValue(set), ct));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string? reportPath, string modelsDir, string? setPath, CancellationToken cancellationToken)
    {
        var vocabulary = ModelVocabulary.Load(modelsDir)
            ?? throw new InvalidDataException($"{modelsDir} has no world.json: the expansion guard needs the model's vocabulary.");
        var prompts = LooseStylePrompt.Load(setPath ?? Path.Combine(modelsDir, "eval", "loose-styles.jsonl"));
        await using var engine = EngineHost.Start(new EngineOptions(), Path.Combine(modelsDir, "llm"), Path.Combine(modelsDir, "tokenizer"), null);
        var evaluation = new ExpansionEvaluation((loose, ct) => engine.ExpandPromptAsync(loose, new SamplingParams { MaxTokens = 40 }, ct),
            new ExpansionGuard(new PromptVocabulary(vocabulary)), Console.Error);
        var result = await evaluation.RunAsync(prompts, cancellationToken);
        await OutputFile.WriteTextAsync(jsonPath, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        if (reportPath is not null)
        {
            await OutputFile.WriteTextAsync(reportPath, result.ToMarkdown($"./run.sh eval expansion --json {jsonPath} --report {reportPath}"), cancellationToken);
        }
        foreach (var r in result.Rows.Append(result.All))
        {
            Console.WriteLine($"{r.Style,-24} {r.Prompts,4}: LLM kept {r.LlmKept:0.000}, served kept {r.GuardKept:0.000}, corrected {r.Corrected:0.000}" +
                              (r.OutOfVocabulary > 0 ? $", unknown reported {r.Reported:0.000} of {r.OutOfVocabulary}" : ""));
        }
        return 0;
    }
}
