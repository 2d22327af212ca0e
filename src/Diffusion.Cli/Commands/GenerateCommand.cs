using System.CommandLine;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cli.Commands;

/// <summary><c>generate "prompt" -o out.png</c>: one image through the full pipeline, progress on stderr.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var prompt = new Argument<string>("prompt") { Description = "What to draw." };
        var output = new Option<string>("--output", "-o") { Description = "PNG file to write.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial noise; the same seed gives the same PNG.", DefaultValueFactory = _ => 0UL };
        var steps = new Option<int>("--steps") { Description = "Denoising steps.", DefaultValueFactory = _ => 50 };
        var scheduler = new Option<string>("--scheduler") { Description = "Sampler.", DefaultValueFactory = _ => "ddim" };
        scheduler.AcceptOnlyFromAmong("ddim", "euler", "dpm++2m");
        var guidance = new Option<float?>("--guidance")
        {
            Description = "Classifier-free guidance scale, 1 or less turns it off (default: the model's own, model_index.json's generation_defaults, else 7.5).",
        };
        var negative = new Option<string>("--negative-prompt") { Description = "What to steer away from.", DefaultValueFactory = _ => "" };
        var models = new Option<string>("--models") { Description = "Model folder (diffusers ONNX layout).", DefaultValueFactory = _ => "./models" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per operator (0 = one per core).", DefaultValueFactory = _ => 0 };
        var provider = new Option<string>("--provider") { Description = "Execution provider.", DefaultValueFactory = _ => "cpu" };
        provider.AcceptOnlyFromAmong("cpu", "cuda");

        var command = new Command("generate", "Generate one image from a prompt and write it as PNG.")
        {
            prompt, output, seed, steps, scheduler, guidance, negative, models, threads, provider,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new GenerateArguments(
            parse.GetValue(prompt)!, parse.GetValue(output)!, parse.GetValue(seed), parse.GetValue(steps),
            SchedulerKinds.Parse(parse.GetValue(scheduler)!), parse.GetValue(guidance), parse.GetValue(negative) ?? "",
            parse.GetValue(models)!, parse.GetValue(threads),
            parse.GetValue(provider) == "cuda" ? ExecutionProviderKind.Cuda : ExecutionProviderKind.Cpu), cancellationToken));
        return command;
    }

    private sealed record GenerateArguments(string Prompt, string Output, ulong Seed, int Steps, SchedulerKind Scheduler,
        float? Guidance, string NegativePrompt, string Models, int Threads, ExecutionProviderKind Provider);

    private static async Task<int> RunAsync(GenerateArguments args, CancellationToken cancellationToken)
    {
        try
        {
            using var models = DiffusionModels.Load(args.Models, new OnnxRuntimeOptions { IntraOpThreads = args.Threads, ExecutionProvider = args.Provider });
            var pipeline = new DiffusionPipeline(models);
            var request = new GenerationRequest
            {
                Prompt = args.Prompt,
                NegativePrompt = args.NegativePrompt,
                Seed = args.Seed,
                Steps = args.Steps,
                GuidanceScale = args.Guidance ?? models.Folder.DefaultGuidanceScale,
                Scheduler = args.Scheduler,
            };
            var hooks = new GenerationHooks
            {
                StepCompleted = p => Console.Error.Write($"\rstep {p.Step,4}/{p.TotalSteps}  {p.Elapsed.TotalSeconds,7:F2} s"),
            };
            var result = await pipeline.GenerateAsync(request, hooks, cancellationToken);
            Console.Error.WriteLine();
            if (result.Prompt.Tokens.Truncated)
            {
                Console.Error.WriteLine($"note: the prompt needs {result.Prompt.Tokens.TokenCount} tokens; it was cut to 77.");
            }
            else if (models.Folder.DenoiserTextTokens is { } read && result.Prompt.Tokens.TokenCount - 1 > read)   // the end token may fall outside
            {
                Console.Error.WriteLine($"note: the prompt needs {result.Prompt.Tokens.TokenCount} tokens; this model reads the first {read}.");
            }
            await OutputFile.WriteBytesAsync(args.Output, result.Png[0], cancellationToken);
            Console.Error.WriteLine(
                $"wrote {args.Output} ({models.ImageWidth}x{models.ImageHeight}, seed {args.Seed}, {args.Scheduler.ToName()}, " +
                $"{result.Timings.Total.TotalSeconds:F2} s, denoise {result.Timings.Denoise.TotalSeconds:F2} s)");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
