using System.CommandLine;
using System.Text.Json;
using Diffusion.Cli.Engine;

namespace Diffusion.Cli.Commands;

/// <summary>
/// <c>bench engine --json FILE [--models DIR] [--quick]</c>: KV waste, concurrency and prefix sharing against a
/// contiguous reservation, LLM speed, paged-attention overhead, a block-size sweep, and iteration- against
/// request-level diffusion batching at equal p95 latency.
/// </summary>
public static class BenchEngineCommand
{
    public static Command Create()
    {
        var json = new Option<string>("--json") { Description = "Write the measurements to this JSON file.", Required = true };
        var models = new Option<string>("--models") { Description = "Model folder (diffusers ONNX layout with llm/).", DefaultValueFactory = _ => "./models" };
        var quick = new Option<bool>("--quick") { Description = "Smaller workloads (a smoke run of about a minute).", DefaultValueFactory = _ => false };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime threads per operator (0 = one per core).", DefaultValueFactory = _ => 0 };
        var command = new Command("engine", "Benchmark the engine: kv_waste, max_concurrent_ratio, prefix_sharing_saving, " +
            "diffusion_throughput_ratio, llm_tokens_per_s, paged_attention_overhead and a block-size sweep, each beside its baseline.")
        {
            json, models, quick, threads,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(json)!, parse.GetValue(models)!, parse.GetValue(quick),
            parse.GetValue(threads), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string jsonPath, string modelsPath, bool quick, int threads, CancellationToken cancellationToken)
    {
        try
        {
            EngineBenchReport report = await new EngineBenchmark(modelsPath, quick, threads, Console.Error).RunAsync(cancellationToken);
            EngineBenchTable.Write(report, Console.Out);
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
