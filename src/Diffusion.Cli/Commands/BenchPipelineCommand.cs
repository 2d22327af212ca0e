using System.CommandLine;
using System.Text.Json;
using Diffusion.Cli.Bench;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cli.Commands;

/// <summary><c>bench pipeline --json FILE</c>: UNet latency, end-to-end throughput, time outside ONNX Runtime, GFLOP/s vs SGEMM peak.</summary>
public static class BenchPipelineCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measurements to this JSON file.", Required = true };
        var models = new Option<string>("--models") { Description = "Model folder (diffusers ONNX layout).", DefaultValueFactory = _ => "./models" };
        var quick = new Option<bool>("--quick") { Description = "Fewer repeats and steps (a smoke run).", DefaultValueFactory = _ => false };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per operator (0 = one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("pipeline", "Benchmark the inference pipeline: UNet latency at batch 1/4/16, images/s at 50 steps, " +
            "fraction of loop time outside ONNX Runtime at batch 16, UNet GFLOP/s next to the measured SGEMM peak.")
        {
            json, models, quick, threads,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(json)!, parse.GetValue(models)!,
            parse.GetValue(quick), parse.GetValue(threads), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string modelsPath, bool quick, int threads, CancellationToken cancellationToken)
    {
        try
        {
            using var models = DiffusionModels.Load(modelsPath, new OnnxRuntimeOptions { IntraOpThreads = threads });
            var report = new PipelineBenchmark(new DiffusionPipeline(models), threads, quick, Console.Error).Run(modelsPath, cancellationToken);
            PipelineBenchTable.Write(report, Console.Out);
            var full = await OutputFile.WriteTextAsync(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            Console.Error.WriteLine($"wrote {full}");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
