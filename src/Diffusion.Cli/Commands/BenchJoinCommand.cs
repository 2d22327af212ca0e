using System.CommandLine;
using System.Text.Json;
using Diffusion.Lab.Cluster;

namespace Diffusion.Cli.Commands;

/// <summary><c>bench join --redis HOST:PORT --entries 10000,100000 --json FILE</c>: how long a new instance takes to join a shared cache of N entries.</summary>
public static class BenchJoinCommand
{
    public static Command Create()
    {
        var redis = new Option<string>("--redis") { Description = "A Redis to use (host:port); the bench writes under its own key prefix and removes it.", Required = true };
        var entries = new Option<string>("--entries") { Description = "Cache sizes to time, comma-separated.", DefaultValueFactory = _ => "10000,100000" };
        var dimension = new Option<int>("--dimension") { Description = "Embedding width (the shipped CLIP's is 512).", DefaultValueFactory = _ => 512 };
        var json = new Option<string?>("--json") { Description = "Write the timings to this JSON file." };
        var command = new Command("join", "Time a new instance joining a shared cache: it loads the catalog from Redis and builds its FAISS replica before it reports healthy (synthetic entries).")
        {
            redis, entries, dimension, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            int[] sizes;
            try
            {
                sizes = NumberList.Parse<int>(parse.GetValue(entries)!, "--entries");
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
            if (sizes.Any(n => n < 1))
            {
                Console.Error.WriteLine($"error: --entries takes positive whole numbers (got '{parse.GetValue(entries)}')");
                return 1;
            }
            try
            {
                var bench = new WarmJoinBench(parse.GetValue(redis)!, parse.GetValue(dimension), Console.Error);
                var results = new List<WarmJoinResult>();
                foreach (var size in sizes)
                {
                    var result = await bench.RunAsync(size, ct);
                    results.Add(result);
                    Console.WriteLine($"{result.Entries,8} entries: joined in {result.JoinSeconds:0.000} s ({result.TextRows} text and {result.ImageRows} image index rows), "
                        + $"HNSW graphs in place {result.GraphSeconds:0.0} s later; storing them took {result.PopulateSeconds:0.0} s");
                }
                if (parse.GetValue(json) is { } path)
                {
                    await OutputFile.WriteTextAsync(path, JsonSerializer.Serialize(results, new JsonSerializerOptions
                    {
                        WriteIndented = true,
                        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                    }) + "\n", ct);
                }
                return 0;
            }
            catch (InvalidOperationException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
